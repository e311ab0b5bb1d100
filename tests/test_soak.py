"""Thirty mornings of the cron line ``export --fetch DIR --out DECKS --collection COL -q`` against a
local copy of a site that changes (a new page each morning, a correction), with bad days mixed in:
a dripping page, an error page answered 200, an empty index, a full disk and a killed run.

The clock is the test's: each morning is ``SOURCE_DATE_EPOCH`` one day on. Each morning asserts
the exit code and what ``-q`` printed; the end asserts that every good digest is in the decks and,
through the real Anki backend, in the collection (the correction too).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from anki.collection import Collection
from click.testing import CliRunner

from flashdigest.cli import main
from flashdigest.fetch.memory import TEMP_SUFFIX
from flashdigest.options import DECK_ROOT
from tests.anki_helpers import PAPER, by_type, imported_notes
from tests.conftest import ROOT, SAMPLES
from tests.deliver_helpers import new_collection
from tests.fetch_server import Page, Reply, Site, index_page, serve

pytestmark = pytest.mark.timeout(240)

MORNINGS = 30
FIRST = dt.date(2026, 6, 1)
EPOCH = 1_780_000_000  # the first morning's clock
TEMPLATE = (SAMPLES / "2026-05-06.html").read_text(encoding="utf-8")
TITLES = ("Tidepool", "Quiet Rooms")
DRIP, ERROR_PAGE, EMPTY_INDEX, FULL_DISK, KILLED, CORRECTION = 4, 8, 12, 16, 21, 25


def day(number: int) -> str:
    return (FIRST + dt.timedelta(days=number)).isoformat()


def page(number: int, corrected: bool = False) -> bytes:
    """The digest of morning ``number``: the sample page with its own date, papers and titles."""
    text = TEMPLATE.replace("2026-05-06", day(number))
    text = text.replace("2605.03318", f"2606.{number:03d}01").replace("2605.04102", f"2606.{number:03d}02")
    for title in TITLES:
        text = text.replace(title, f"{title} {number}{' (corrected)' if corrected else ''}")
    return text.encode("utf-8")


@contextlib.contextmanager
def small_disk(where: Path) -> Iterator[bool]:
    """A real 4 MiB tmpfs at ``where`` (True), or a plain folder where mounting needs root (False)."""
    where.mkdir()
    mounted = os.geteuid() == 0 and shutil.which("mount") is not None
    if mounted:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], capture_output=True
        )
        mounted = done.returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte with a ballast file."""
    ballast = disk / "ballast"
    with contextlib.suppress(OSError), ballast.open("wb") as handle:
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    return ballast


class Mornings:
    def __init__(self, site: Site, tmp_path: Path, disk: Path) -> None:
        self.site, self.disk = site, disk
        self.digests, self.decks = disk / "digests", tmp_path / "decks"
        self.collection = new_collection(tmp_path / "anki")
        self.config = tmp_path / "config.toml"
        self.config.write_text("[export]\npage_time = 0.5\nmax_time = 60\n")
        self.published: list[int] = []

    def args(self) -> list[str]:
        return [
            "--config", str(self.config), "export", "--fetch", "--site", self.site.url, str(self.digests),
            "--out", str(self.decks), "--collection", str(self.collection), "-q",
        ]  # fmt: skip

    def env(self, number: int) -> dict[str, str]:
        return {"SOURCE_DATE_EPOCH": str(EPOCH + number * 86_400), "FLASHDIGEST_FETCH_DELAY": "0"}

    def publish(self, number: int) -> None:
        self.published.append(number)
        self.site.pages[f"dailies/pages/{day(number)}.html"] = Page(page(number), f'"{number}"')
        self.site.pages["index.html"] = Page(index_page([day(n) for n in self.published]))

    def run(self, number: int) -> tuple[int, list[str]]:
        result = CliRunner().invoke(main, self.args(), env=self.env(number))
        assert result.stdout == "", result.stdout  # -q: nothing on stdout, good day or bad
        return result.exit_code, result.stderr.splitlines()

    def killed_run(self, number: int) -> int:
        """The cron line in its own process, killed while a page is coming in."""
        path = f"dailies/pages/{day(number)}.html"
        gate = threading.Event()
        self.site.script[path] = [Reply(200, body=page(number), gate=gate)]
        env = {**os.environ, **self.env(number)}
        command = [sys.executable, "-m", "flashdigest", *self.args(), "--page-time", "60"]
        with subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL) as process:
            while not self.site.requested(path) and process.poll() is None:
                threading.Event().wait(0.01)
            process.send_signal(signal.SIGKILL)
            code = process.wait(timeout=30)
        gate.set()
        return code


def test_thirty_mornings_with_bad_days(tmp_path: Path) -> None:
    site = Site()
    with serve(site), small_disk(tmp_path / "disk") as mounted:
        mornings = Mornings(site, tmp_path, tmp_path / "disk")
        for number in range(MORNINGS):
            mornings.publish(number)
            new = f"dailies/pages/{day(number)}.html"
            ballast = None
            if number == DRIP:  # headers, then a byte every 50 ms: cut off at the page's 0.5 s
                site.script[new] = [Reply(200, body=page(number), drip=0.05)]
            elif number == ERROR_PAGE:
                site.script[new] = [
                    Reply(200, body=b"<html><body><h1>429 Too Many Requests</h1></body></html>")
                ]
            elif number == EMPTY_INDEX:
                site.script["index.html"] = [Reply(200, body=b"<html><body><h1>Back soon</h1></body></html>")]
            elif number == FULL_DISK and mounted:
                ballast = fill(mornings.disk)
            elif number == KILLED:
                assert mornings.killed_run(number) == -signal.SIGKILL
            elif number == CORRECTION:
                site.pages[f"dailies/pages/{day(number - 2)}.html"] = Page(page(number - 2, True), '"fix"')
            code, said = mornings.run(number)
            if ballast is not None:
                ballast.unlink()
            expected = {DRIP: 75, ERROR_PAGE: 75, EMPTY_INDEX: 75, FULL_DISK: 73 if mounted else 0}
            assert code == expected.get(number, 0), (number, said)
            assert len(said) == (1 if code else 0), (number, said)
            if number == DRIP:
                assert "over its time (0.5 s a page" in said[0]
            elif number == ERROR_PAGE:
                assert "no 'YYYY-MM-DD Papers' heading (it says '429 Too Many Requests')" in said[0]
            elif number == EMPTY_INDEX:
                assert f"lists no digest page, and {number} were saved here before" in said[0]
            elif code == 73:
                assert said[0].startswith(
                    f"flashdigest: error: {mornings.digests}: cannot write here: No space"
                )
        assert not list(mornings.digests.glob(f".*{TEMP_SUFFIX}"))
        saved = sorted(path.stem for path in mornings.digests.glob("*.html"))
    dates = [day(number) for number in range(MORNINGS)]
    assert saved == dates
    assert sorted(deck.stem for deck in mornings.decks.glob("*.apkg")) == dates
    col = Collection(str(mornings.collection))
    try:
        papers = by_type(imported_notes(col), PAPER)
    finally:
        col.close()
    assert sorted(deck for note in papers for deck in note.decks) == sorted(
        f"{DECK_ROOT}::{d}" for d in dates * 2
    )
    titles = {note.fields["Title"] for note in papers}
    assert (
        f"Tidepool {CORRECTION - 2} (corrected): Forecasting Coastal Flooding with Graph Neural Operators"
        in titles
    )
    assert (
        f"Tidepool {CORRECTION - 2}: Forecasting Coastal Flooding with Graph Neural Operators" not in titles
    )
