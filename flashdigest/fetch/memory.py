"""What a fetch remembers between runs: each page's validators (ETag, Last-Modified).

Kept in ``<into>/.flashdigest-fetch.json`` (a hidden file, so ``export`` never takes it for a
digest), written to a temporary file and renamed, so a killed run leaves the old file or the new.
A missing or unreadable file is an empty memory: pages then are checked unconditionally once.
It also remembers the pages an export could not read (``recheck``): those are requested again,
unconditionally, on the next run whatever their age.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import write_atomically
from ..frozen import frozen

MEMORY_NAME = ".flashdigest-fetch.json"
MEMORY_VERSION = 1
#: the ending of the temporary files a fetch writes before renaming (removed if a run was killed)
TEMP_SUFFIX = ".flashdigest-part"


@frozen
class Validators:
    """What the server said identifies a page's version; sent back in a conditional request."""

    etag: str | None = None
    last_modified: str | None = None

    def request_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass
class FetchMemory:
    """Validators per page file name (``YYYY-MM-DD.html``) in one folder."""

    folder: Path
    pages: dict[str, Validators] = field(default_factory=dict)
    #: pages to request unconditionally next time (an export could not read them)
    recheck: set[str] = field(default_factory=set)
    changed: bool = False

    @classmethod
    def load(cls, folder: Path) -> FetchMemory:
        try:
            data = json.loads((folder / MEMORY_NAME).read_text(encoding="utf-8"))
            pages = {str(name): _validators(entry) for name, entry in data["pages"].items()}
            recheck = {str(name) for name in data.get("recheck", ())}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pages, recheck = {}, set()
        return cls(folder, pages, recheck)

    def get(self, name: str) -> Validators:
        return Validators() if name in self.recheck else self.pages.get(name, Validators())

    def remember(self, name: str, validators: Validators) -> None:
        if self.pages.get(name) != validators or name in self.recheck:
            self.pages[name] = validators
            self.recheck.discard(name)
            self.changed = True

    def mark_for_recheck(self, names: set[str]) -> None:
        """Request these pages again, unconditionally, on the next run (whatever their age)."""
        if not names <= self.recheck:
            self.recheck |= names
            self.changed = True

    def save(self) -> None:
        """Write the memory if it changed: a temporary file beside it, renamed into place."""
        if not self.changed:
            return
        data: dict[str, Any] = {
            "version": MEMORY_VERSION,
            "pages": {name: asdict(self.pages[name]) for name in sorted(self.pages)},
            "recheck": sorted(self.recheck),
        }
        text = json.dumps(data, indent=1) + "\n"
        write_atomically(self.folder / MEMORY_NAME, text.encode("utf-8"), durable=False)
        self.changed = False


def _validators(entry: Any) -> Validators:
    etag, modified = entry.get("etag"), entry.get("last_modified")
    return Validators(
        etag if isinstance(etag, str) else None, modified if isinstance(modified, str) else None
    )
