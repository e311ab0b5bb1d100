"""The package's zip (flashdigest/export/apkg.py): written as zipfile writes it, deflated with ISA-L,
read back by zipfile, and a damaged one read as "not a package", never as a crash."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from flashdigest.export.apkg import (
    BAD_PACKAGE,
    deflate,
    package_bytes_into,
    read_media,
    read_package_files,
    read_package_with_media,
    zip_into,
)
from tests.conftest import SAMPLES
from tests.test_cli import run


def zlib_fastest(data: bytes) -> bytes:
    """What zipfile deflates an entry into at ``compresslevel=1``."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def zipfile_zip(members: list[tuple[str, bytes]]) -> bytes:
    """``members`` as ``zipfile`` writes them, as flashdigest's packages were written before they
    were deflated with ISA-L: dated 1980-01-01, mode 0644, deflated by zlib at level 1."""
    handle = io.BytesIO()
    with zipfile.ZipFile(handle, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=1)
    return handle.getvalue()


def zipfile_package(database: bytes, media: dict[str, bytes]) -> bytes:
    """The package as ``zipfile`` writes it (:func:`zipfile_zip`)."""
    names = sorted(media)
    index = {str(number): name for number, name in enumerate(names)}
    members = [("collection.anki2", database), ("media", json.dumps(index, sort_keys=True).encode())]
    return zipfile_zip(members + [(str(number), media[name]) for number, name in enumerate(names)])


CASES = [
    (b"", {}),
    (b"SQLite format 3\x00" + bytes(4096 * 3), {"flowchart-1.svg": b"<svg/>" * 500, "a.svg": b""}),
    (bytes(range(256)) * 700, {f"{n}.svg": bytes([n]) * n * 97 for n in range(12)}),
]


@pytest.mark.parametrize(("database", "media"), CASES)
def test_the_zip_is_zipfiles_byte_for_byte_given_the_same_deflate(
    database: bytes, media: dict[str, bytes]
) -> None:
    handle = io.BytesIO()
    package_bytes_into(handle, database, media, compress=zlib_fastest)
    assert handle.getvalue() == zipfile_package(database, media)


def test_a_name_beyond_ascii_is_flagged_utf8_as_zipfile_flags_it() -> None:
    ours = io.BytesIO()
    zip_into(ours, [("图表.svg", b"<svg/>")], zlib_fastest)
    assert ours.getvalue() == zipfile_zip([("图表.svg", b"<svg/>")])


@pytest.mark.parametrize(("database", "media"), CASES)
def test_an_isal_package_reads_back_whole(tmp_path: Path, database: bytes, media: dict[str, bytes]) -> None:
    path = tmp_path / "deck.apkg"
    with path.open("wb") as handle:
        package_bytes_into(handle, database, media)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
    files = read_package_files(path)
    assert files.database == database
    assert read_media(path, files.media) == media
    assert zlib.decompress(deflate(database), -15) == database


def test_isal_deflates_a_deck_smaller_than_zlib_at_its_fastest() -> None:
    database = (SAMPLES / "2025-05-02.html").read_bytes()  # (text like a collection's JSON)
    assert len(deflate(database)) < len(zlib_fastest(database))


def damaged(package: bytes) -> list[bytes]:
    """The package cut short, its deflate stream broken, its CRC wrong, its directory gone."""
    middle = len(package) // 2
    return [
        package[:middle],
        package[:100] + bytes(b ^ 0xFF for b in package[100:104]) + package[104:],
        package[:middle] + bytes(b ^ 0x55 for b in package[middle : middle + 2]) + package[middle + 2 :],
        package[: len(package) - 40],
        b"PK\x03\x04" + bytes(200),
    ]


def damaged_packages(folder: Path) -> list[Path]:
    """A package of a page's size written into ``folder`` in each of :func:`damaged`'s ways."""
    handle = io.BytesIO()
    package_bytes_into(handle, (SAMPLES / "2025-05-02.html").read_bytes() * 3, {"a.svg": b"<svg/>" * 99})
    paths = []
    for number, data in enumerate(damaged(handle.getvalue())):
        paths.append(folder / f"{number}.apkg")
        paths[-1].write_bytes(data)
    return paths


def test_a_damaged_package_is_one_of_bad_package(tmp_path: Path) -> None:
    for path in damaged_packages(tmp_path):
        with pytest.raises(BAD_PACKAGE):
            files = read_package_files(path)
            read_media(path, files.media)


@pytest.mark.parametrize(("database", "media"), CASES)
def test_a_package_read_in_one_go_is_what_its_parts_read_give(
    tmp_path: Path, database: bytes, media: dict[str, bytes]
) -> None:
    """read_package_with_media opens the zip once for what read_package_files and read_media read apart."""
    path = tmp_path / "deck.apkg"
    with path.open("wb") as handle:
        package_bytes_into(handle, database, media)
    files = read_package_files(path)
    assert read_package_with_media(path) == (files, read_media(path, files.media))


def test_a_damaged_package_read_in_one_go_is_one_of_bad_package(tmp_path: Path) -> None:
    for path in damaged_packages(tmp_path):
        with pytest.raises(BAD_PACKAGE):
            read_package_with_media(path)


def test_a_deck_damaged_on_disk_is_made_again_not_a_crash(tmp_path: Path) -> None:
    """A deck whose deflate stream was damaged (a disk error, a sync tool) is replaced by the next
    export, as an edited deck is: it used to stop the input with an internal error (zlib.error)."""
    source = tmp_path / "in" / "2025-05-02.html"
    source.parent.mkdir()
    source.write_bytes((SAMPLES / source.name).read_bytes())
    out = tmp_path / "out"
    assert run("export", "-q", str(source.parent), "--out", str(out))[0] == 0
    deck = out / "2025-05-02.apkg"
    whole = deck.read_bytes()
    deck.write_bytes(whole[:100] + bytes(b ^ 0xFF for b in whole[100:104]) + whole[104:])
    code, stdout, stderr = run("export", str(source.parent), "--out", str(out))
    assert code == 0, stderr
    assert "internal error" not in stderr + stdout
    assert deck.read_bytes() == whole


#: a run where isal cannot be imported (as where it has no wheel): packages deflated by zlib
WITHOUT_ISAL = """
import io, sys, zipfile
sys.modules["isal"] = None
from flashdigest.export.apkg import _deflater, package_bytes_into
handle = io.BytesIO()
package_bytes_into(handle, b"SQLite format 3" * 999, {"a.svg": b"<svg/>" * 99})
with zipfile.ZipFile(handle) as archive:
    assert archive.testzip() is None
print(_deflater.__name__, len(handle.getvalue()))
"""


def test_without_isal_packages_are_deflated_by_zlib() -> None:
    result = subprocess.run([sys.executable, "-c", WITHOUT_ISAL], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    name, size = result.stdout.split()
    assert name == "zlib"
    handle = io.BytesIO()
    package_bytes_into(handle, b"SQLite format 3" * 999, {"a.svg": b"<svg/>" * 99}, compress=zlib_fastest)
    assert int(size) == len(handle.getvalue())
