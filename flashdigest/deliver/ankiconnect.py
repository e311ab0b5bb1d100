"""The AnkiConnect route: the same delivery through a running Anki desktop's AnkiConnect add-on,
with its documented actions only (protocol version 6).

AnkiConnect reports no GUIDs, so the notes already there are found by exporting the decks that
hold cards of the decks' note types (``findCards``, ``getDecks``, ``exportPackage`` into Anki's
media folder, ``retrieveMediaFile``) and reading the GUIDs from those packages. New notes arrive
as one package of only the new notes (``storeMediaFile`` + ``importPackage``: Anki's importer
keeps GUIDs, note type ids, decks and media); changed notes get ``updateNoteFields`` with
flashdigest's fields only, ``addTags``/``removeTags`` and ``storeMediaFile`` for new media.
Every file put into the media folder for the exchange is deleted again (``deleteMediaFile``).
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import urllib3

from ..errors import CollectionBusy, DeliveryError
from ..export.bundle import write_bundle
from .collection import conflict_notices
from .package import PackageContent, PackageNote, latest_notes, read_package
from .plan import CollectionNote, NoteUpdate, make_plan
from .types import AnkiConnectTarget, DeliveryReport

PROTOCOL_VERSION = 6


class AnkiConnect:
    """One AnkiConnect endpoint: ``call(action, **params)`` returns the action's result."""

    def __init__(self, target: AnkiConnectTarget):
        self.target = target
        timeout = urllib3.Timeout(connect=5.0, read=target.timeout)
        self._http = urllib3.PoolManager(timeout=timeout, retries=False)

    def call(self, action: str, **params: Any) -> Any:
        body: dict[str, Any] = {"action": action, "version": PROTOCOL_VERSION, "params": params}
        if self.target.key is not None:
            body["key"] = self.target.key
        deadline = time.monotonic() + self.target.timeout  # the whole call's, not each read's
        try:
            response = self._http.request("POST", self.target.url, json=body, preload_content=False)
            data = _read_by(response, deadline)
        except TimeoutError:
            raise CollectionBusy(
                f"AnkiConnect at {self.target.url} took over {self.target.timeout:g} s to answer {action}"
            ) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise CollectionBusy(
                f"AnkiConnect at {self.target.url} does not answer ({type(exc).__name__}): "
                "is Anki running with AnkiConnect?"
            ) from None
        try:
            reply = json.loads(data)
        except ValueError:
            reply = None
        if response.status != 200 or not isinstance(reply, dict) or set(reply) != {"result", "error"}:
            raise self.error(f"not an AnkiConnect answer to {action} (HTTP {response.status})")
        if reply["error"] is not None:
            raise self.error(f"AnkiConnect refused {action}: {reply['error']}")
        return reply["result"]

    def error(self, reason: str) -> DeliveryError:
        """A DeliveryError naming this endpoint (a URL is not a file, so it goes in the reason)."""
        return DeliveryError(f"{reason} ({self.target.url})")


def _read_by(response: Any, deadline: float) -> bytes:
    """The whole body of ``response``, or TimeoutError once ``deadline`` passes (a whole answer's
    deadline, not each read's: a server dripping a byte at a time is cut off too)."""
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _cut_off, (response,))
    watchdog.daemon = True
    watchdog.start()
    chunks = []
    try:
        while chunk := response.read1(65536):
            chunks.append(chunk)
            if time.monotonic() >= deadline:
                break
    except (urllib3.exceptions.HTTPError, OSError):
        if time.monotonic() < deadline:
            raise
    finally:
        watchdog.cancel()
        response.release_conn()
    if time.monotonic() >= deadline:
        response.close()
        raise TimeoutError
    return b"".join(chunks)


def _cut_off(response: Any) -> None:
    with contextlib.suppress(Exception):
        response.shutdown()


def deliver_to_anki_connect(contents: Sequence[PackageContent], target: AnkiConnectTarget) -> DeliveryReport:
    """Put the notes of ``contents`` into the collection open in Anki, through AnkiConnect."""
    anki = AnkiConnect(target)
    version = anki.call("version")
    if not isinstance(version, int) or version < PROTOCOL_VERSION:
        raise anki.error(f"AnkiConnect {version} is too old: version {PROTOCOL_VERSION} needed")
    notes = latest_notes(contents)
    media_dir = str(anki.call("getMediaDirPath"))
    existing = existing_notes(anki, media_dir, notes)
    plan = make_plan(notes, existing)
    if plan.new:
        _import_new(anki, media_dir, [content.path for content in contents], plan.new)
    for update in plan.updates:
        _update(anki, update, contents)
    return DeliveryReport(
        tuple(content.path for content in contents),
        added=len(plan.new),
        updated=len(plan.updates),
        unchanged=len(plan.unchanged),
        notices=conflict_notices(plan),
    )


def existing_notes(
    anki: AnkiConnect, media_dir: str, notes: Mapping[str, PackageNote]
) -> dict[str, CollectionNote]:
    """The collection's notes with the GUIDs of ``notes``, read from exports of the decks that hold
    any card of their note types (a card the learner moved is found in its new deck)."""
    notetypes = sorted({note.notetype_id for note in notes.values()})
    cards = anki.call("findCards", query=" OR ".join(f"mid:{mid}" for mid in notetypes))
    if not cards:
        return {}
    decks: dict[str, Any] = anki.call("getDecks", cards=cards)
    found: dict[str, CollectionNote] = {}
    with tempfile.TemporaryDirectory(prefix="flashdigest-ankiconnect-") as folder:
        for number, deck in enumerate(outermost(decks)):
            local = Path(folder) / f"{number}.apkg"
            local.write_bytes(_export_deck(anki, media_dir, deck))
            for note in read_package(local).notes:
                if note.guid in notes:
                    found[note.guid] = CollectionNote(
                        note.note_id, note.notetype_id, dict(note.fields), note.tags
                    )
    return found


def outermost(decks: Iterable[str]) -> list[str]:
    """The deck names that are not below another of them (an export includes the subdecks)."""
    names = set(decks)
    return sorted(name for name in names if not any(name.startswith(other + "::") for other in names))


def _export_deck(anki: AnkiConnect, media_dir: str, deck: str) -> bytes:
    name = f"_flashdigest-export-{secrets.token_hex(8)}.apkg"
    try:
        if anki.call("exportPackage", deck=deck, path=f"{media_dir}/{name}", includeSched=False) is not True:
            raise anki.error(f"AnkiConnect could not export deck {deck!r}")
        data = anki.call("retrieveMediaFile", filename=name)
    finally:
        anki.call("deleteMediaFile", filename=name)
    if not isinstance(data, str):
        raise anki.error(f"AnkiConnect returned no export of deck {deck!r}")
    return base64.b64decode(data)


def _import_new(anki: AnkiConnect, media_dir: str, decks: list[Path], new: Sequence[PackageNote]) -> None:
    with tempfile.TemporaryDirectory(prefix="flashdigest-ankiconnect-") as folder:
        package = write_bundle(decks, Path(folder) / "new.apkg", {note.guid for note in new})
        data = base64.b64encode(package.read_bytes()).decode("ascii")
    stored = anki.call("storeMediaFile", filename=f"_flashdigest-new-{secrets.token_hex(8)}.apkg", data=data)
    try:
        if anki.call("importPackage", path=f"{media_dir}/{stored}") is not True:
            raise anki.error("AnkiConnect could not import the new notes")
    finally:
        anki.call("deleteMediaFile", filename=stored)


def _update(anki: AnkiConnect, update: NoteUpdate, contents: Sequence[PackageContent]) -> None:
    for name in update.media:
        for content in contents:
            if name in content.media:
                data = base64.b64encode(content.media_bytes(name)).decode("ascii")
                anki.call("storeMediaFile", filename=name, data=data)
                break
    if update.fields:
        anki.call("updateNoteFields", note={"id": update.note_id, "fields": dict(update.fields)})
    if update.add_tags:
        anki.call("addTags", notes=[update.note_id], tags=" ".join(update.add_tags))
    if update.remove_tags:
        anki.call("removeTags", notes=[update.note_id], tags=" ".join(update.remove_tags))
