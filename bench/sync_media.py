"""What the first `export --sync` does with an account holding a large media library.

Run from the repository: ``.venv/bin/python bench/sync_media.py [FILES] [KIB]``. A phone uploads
FILES pictures of KIB KiB each to a local `anki.syncserver`; then `flashdigest export --sync`
makes its own collection (first run, one digest) and runs again with a second digest (second run). Printed:
the seconds of each run and the files and bytes in the own collection's media folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import SAMPLES
from tests.sync.server import PASSWORD, USER, new_phone, phone_sync, running_server


def main() -> None:
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    kib = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with tempfile.TemporaryDirectory(prefix="flashdigest-bench-sync-") as folder:
        tmp = Path(folder)
        with running_server(tmp / "server") as server:
            phone = new_phone(tmp / "phone")
            basic = phone.models.by_name("Basic")
            for number in range(files):
                name = phone.media.write_data(f"photo-{number}.jpg", os.urandom(kib * 1024))
                note = phone.new_note(basic)
                note["Front"] = f"question {number} <img src='{name}'>"
                phone.add_note(note, phone.decks.id("Default"))
            phone_sync(phone, server, upload=True)
            phone.close()
            env = dict(os.environ, XDG_DATA_HOME=str(tmp / "data"))
            flashdigest = [sys.executable, "-m", "flashdigest"]
            login = [
                *flashdigest,
                "login",
                "--endpoint",
                server.endpoint,
                "--username",
                USER,
                "--password-stdin",
            ]
            subprocess.run(login, input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)
            pages = tmp / "pages"
            pages.mkdir()
            export = [*flashdigest, "export", str(pages), "--out", str(tmp / "out"), "--sync"]
            for run, page in (("first", "2026-05-06.html"), ("second", "2025-05-02.html")):
                shutil.copy(SAMPLES / page, pages / page)
                start = time.perf_counter()
                subprocess.run([*export, "-q"], env=env, check=True)
                seconds = time.perf_counter() - start
                media = [
                    path for path in (tmp / "data" / "flashdigest").glob("collection-*/collection.media/*")
                ]
                size = sum(path.stat().st_size for path in media)
                mib = size / 2**20
                print(f"{run} run: {seconds:.1f} s; own media folder: {len(media)} files, {mib:.1f} MiB")
    print(
        f"(the account: {files} pictures of {kib} KiB = {files * kib / 1024:.1f} MiB, and the deck's 2 SVGs)"
    )


if __name__ == "__main__":
    main()
