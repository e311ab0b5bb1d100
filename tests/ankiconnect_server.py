"""A small AnkiConnect for the tests: AnkiConnect's published protocol (version 6: POST a JSON
object ``{"action", "version", "params", "key"}``, answer ``{"result", "error"}``) for exactly the
actions flashdigest uses, each performed with the real Anki backend on a collection it holds
open, as Anki desktop does. The actions follow AnkiConnect's own implementation
(FooSoft/anki-connect, plugin/__init__.py); ``importPackage`` and ``exportPackage`` use the
options of Anki's legacy package importer and exporter, which AnkiConnect calls.

Runs on 127.0.0.1 on an ephemeral port, in a thread; stop it with ``close()``.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from anki.collection import (
    Collection,
    DeckIdLimit,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)
from anki.errors import NotFoundError


class AnkiConnectServer:
    def __init__(self, collection_path: Path, key: str | None = None):
        self.col: Any = Collection(str(collection_path))
        self.key = key
        self.lock = threading.Lock()
        self.calls: list[str] = []
        self.actions: dict[str, Callable[..., Any]] = {
            name: getattr(self, name)
            for name in (
                "version", "findCards", "findNotes", "notesInfo", "getDecks", "getMediaDirPath",
                "exportPackage", "retrieveMediaFile", "deleteMediaFile", "storeMediaFile", "importPackage",
                "updateNoteFields", "addTags", "removeTags", "modelNamesAndIds", "modelFieldNames",
                "deckNames", "getDeckConfig", "setDeckConfigId", "modelStyling", "modelTemplates",
                "updateModelTemplates", "updateModelStyling",
            )
        }  # fmt: skip
        self.http = HTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.thread.join()
        self.col.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                reply = json.dumps(server.handle(request)).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """AnkiConnect's handler: the key, the action by name, its result or its error."""
        with self.lock:
            try:
                if request.get("key") != self.key:
                    raise Exception("valid api key must be provided")
                action = self.actions.get(request.get("action", ""))
                if action is None or request.get("version", 4) != 6:
                    raise Exception("unsupported action")
                self.calls.append(request["action"])
                return {"result": action(**request.get("params", {})), "error": None}
            except Exception as error:
                return {"result": None, "error": str(error)}

    # the actions, as AnkiConnect performs them

    def version(self) -> int:
        return 6

    def findCards(self, query: str | None = None) -> list[int]:
        return [] if query is None else [int(cid) for cid in self.col.find_cards(query)]

    def findNotes(self, query: str | None = None) -> list[int]:
        return [] if query is None else [int(nid) for nid in self.col.find_notes(query)]

    def notesInfo(self, notes: list[int]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = []
        for nid in notes:
            try:
                note = self.col.get_note(nid)
            except NotFoundError:
                result.append({})
                continue
            model = note.note_type()
            assert model is not None
            fields = {f["name"]: {"value": note.fields[f["ord"]], "order": f["ord"]} for f in model["flds"]}
            cards = self.col.db.list("select id from cards where nid = ? order by ord", nid)
            info = {"noteId": nid, "tags": note.tags, "fields": fields, "modelName": model["name"]}
            result.append(info | {"cards": cards})
        return result

    def getDecks(self, cards: list[int]) -> dict[str, list[int]]:
        decks: dict[str, list[int]] = {}
        for card in cards:
            did = self.col.db.scalar("select did from cards where id=?", card)
            decks.setdefault(str(self.col.decks.get(did)["name"]), []).append(card)
        return decks

    def deckNames(self) -> list[str]:
        return [str(entry.name) for entry in self.col.decks.all_names_and_ids()]

    def getDeckConfig(self, deck: str) -> dict[str, Any]:
        found = self.col.decks.by_name(deck)
        return dict(self.col.decks.config_dict_for_deck_id(found["id"])) if found else {}

    def setDeckConfigId(self, decks: list[str], configId: int) -> bool:
        for name in decks:
            found = self.col.decks.by_name(name)
            found["conf"] = configId
            self.col.decks.save(found)
        return True

    def modelNamesAndIds(self) -> dict[str, int]:
        return {str(entry.name): int(entry.id) for entry in self.col.models.all_names_and_ids()}

    def modelFieldNames(self, modelName: str) -> list[str]:
        model = self.col.models.by_name(modelName)
        if model is None:
            raise ValueError(f"model was not found: {modelName}")
        return [str(field["name"]) for field in model["flds"]]

    def modelStyling(self, modelName: str) -> dict[str, str]:
        return {"css": str(self._model(modelName)["css"])}

    def modelTemplates(self, modelName: str) -> dict[str, dict[str, str]]:
        templates = self._model(modelName)["tmpls"]
        return {str(t["name"]): {"Front": str(t["qfmt"]), "Back": str(t["afmt"])} for t in templates}

    def updateModelTemplates(self, model: dict[str, Any]) -> None:
        found = self._model(model["name"])
        for template in found["tmpls"]:
            sides = model["templates"].get(template["name"])
            if sides:
                template["qfmt"] = sides.get("Front") or template["qfmt"]
                template["afmt"] = sides.get("Back") or template["afmt"]
        self.col.models.update_dict(found)

    def updateModelStyling(self, model: dict[str, Any]) -> None:
        found = self._model(model["name"])
        found["css"] = model["css"]
        self.col.models.update_dict(found)

    def _model(self, name: str) -> Any:
        model = self.col.models.by_name(name)
        if model is None:
            raise ValueError(f"model was not found: {name}")
        return model

    def getMediaDirPath(self) -> str:
        return os.path.abspath(str(self.col.media.dir()))

    def exportPackage(self, deck: str, path: str, includeSched: bool = False) -> bool:
        found = self.col.decks.by_name(deck)
        if found is None:
            return False
        options = ExportAnkiPackageOptions(
            with_scheduling=includeSched, with_deck_configs=includeSched, with_media=True, legacy=True
        )
        self.col.export_anki_package(out_path=path, options=options, limit=DeckIdLimit(deck_id=found["id"]))
        return True

    def retrieveMediaFile(self, filename: str) -> str | bool:
        path = os.path.join(self.col.media.dir(), os.path.basename(filename))
        if os.path.exists(path):
            with open(path, "rb") as file:
                return base64.b64encode(file.read()).decode("ascii")
        return False

    def deleteMediaFile(self, filename: str) -> None:
        self.col.media.trash_files([filename])

    def storeMediaFile(self, filename: str, data: str, deleteExisting: bool = True) -> str:
        if deleteExisting:
            self.deleteMediaFile(filename)
        return str(self.col.media.write_data(filename, base64.b64decode(data)))

    def importPackage(self, path: str) -> bool:
        options = ImportAnkiPackageOptions(merge_notetypes=True, with_scheduling=True, with_deck_configs=True)
        self.col.import_anki_package(ImportAnkiPackageRequest(package_path=path, options=options))
        return True

    def updateNoteFields(self, note: dict[str, Any]) -> None:
        found = self.col.get_note(note["id"])
        for name, value in note["fields"].items():
            if name in found:
                found[name] = value
        self.col.update_note(found)

    def addTags(self, notes: list[int], tags: str, add: bool = True) -> None:
        if add:
            self.col.tags.bulk_add(notes, tags)
        else:
            self.col.tags.bulk_remove(notes, tags)

    def removeTags(self, notes: list[int], tags: str) -> None:
        self.addTags(notes, tags, False)
