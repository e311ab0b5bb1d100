"""The real Anki desktop (PyPI ``aqt``) with the real AnkiConnect add-on (from ``../shared``), run
headless under Xvfb in a throwaway base folder, for tests of delivery against the real things.

:func:`start_anki` makes the base folder (a profile ``User 1`` made without dialogs, the software
GL driver so the reviewer renders under Xvfb, the add-on copied in with its own port, key and
log), starts Xvfb on a free display and Anki in a process group of its own, and waits (bounded)
until AnkiConnect answers ``version``. :meth:`AnkiDesktop.stop` kills the whole group.
:func:`desktop_missing` says why the real desktop cannot run here (None when it can).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ADDON_SOURCE = ROOT.parent / "shared" / "anki-connect" / "plugin"
#: AnkiConnect's folder name on AnkiWeb (the add-on's id): Anki loads it from addons21/<id>
ADDON_ID = "2055492159"
PROFILE = "User 1"
#: how long Anki may take to start and answer (2 shared cores: several seconds)
START_SECONDS = 120.0

_MAKE_PROFILE = """
import sys
from pathlib import Path
from aqt.profiles import ProfileManager
manager = ProfileManager(ProfileManager.get_created_base_folder(sys.argv[1]))
manager.setupMeta()
manager.meta["firstRun"] = False
manager.meta["defaultLang"] = "en_US"
manager.create(sys.argv[2])
manager.load(sys.argv[2])
manager.profile["autoSync"] = False
manager.profile["syncKey"] = None
manager.save()
"""


def desktop_missing() -> str | None:
    """Why the real Anki desktop cannot be run here, or None."""
    if not ADDON_SOURCE.is_dir():
        return f"the AnkiConnect add-on source is not at {ADDON_SOURCE} (../shared)"
    if shutil.which("Xvfb") is None:
        return "Xvfb is not installed (Debian package xvfb)"
    try:
        import aqt  # noqa: F401
        from PyQt6 import QtWebEngineWidgets  # noqa: F401
    except ImportError as exc:
        return f"the Anki desktop (aqt[qt6]) cannot be imported: {exc}"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_display() -> int:
    """A display number no X server (or lock file of one) uses."""
    for number in range(90 + os.getpid() % 200, 900):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number")


class AnkiConnectRefused(Exception):
    """AnkiConnect answered with an error."""


@dataclass
class AnkiDesktop:
    """A running Anki desktop and its AnkiConnect endpoint."""

    base: Path
    port: int
    key: str | None
    xvfb: subprocess.Popen[bytes]
    anki: subprocess.Popen[bytes] | None = None
    output: Path = field(default_factory=Path)
    #: the X display of ``xvfb`` (":N")
    xvfb_display: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def profile(self) -> Path:
        return self.base / PROFILE

    @property
    def collection(self) -> Path:
        return self.profile / "collection.anki2"

    @property
    def media(self) -> Path:
        return self.profile / "collection.media"

    @property
    def api_log(self) -> Path:
        return self.base / "ankiconnect.log"

    def call(self, action: str, timeout: float = 60.0, **params: Any) -> Any:
        """One AnkiConnect action (with this Anki's key); AnkiConnectRefused on its error."""
        body: dict[str, Any] = {"action": action, "version": 6, "params": params}
        if self.key is not None:
            body["key"] = self.key
        request = urllib.request.Request(
            self.url, json.dumps(body).encode(), {"Connection": "close"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = json.loads(response.read())
        if reply.get("error") is not None:
            raise AnkiConnectRefused(f"{action}: {reply['error']}")
        return reply["result"]

    def eval_reviewer(self, script: str) -> Any:
        """The value of JavaScript ``script`` in the reviewer's webview (an action of the test
        add-on, ``_TEST_ADDON``: AnkiConnect has none)."""
        return self.call("flashdigestTestEval", script=script)

    def python(self, code: str) -> Any:
        """Run Python ``code`` inside Anki (``mw`` is the main window); the value of ``result``."""
        return self.call("flashdigestTestPython", code=code)

    def on_the_back(self, card_id: int, deck: str, script: str) -> Any:
        """Card ``card_id`` moved to ``deck`` and opened in Anki's reviewer as a learner opens it,
        its back shown: the first value of JavaScript ``script`` there that is not null (None if
        none came in 60 s); then back to the deck browser."""
        self.call("changeDeck", cards=[card_id], deck=deck)
        self.call("unsuspend", cards=[card_id])
        value, shown, asked = None, None, None
        showing = "result = mw.state == 'review' and mw.reviewer.card and mw.reviewer.card.id"
        for tries in range(300):
            if shown is None or (asked is None and tries - shown >= 25):
                self._review(deck)  # (again when the card has not come in 5 s)
                shown = tries
            if self.python(showing) == card_id:
                # the answer asked for once (again after 5 s without it): each time renders the
                # back anew, and on a busy machine an image reloaded every 0.2 s never loaded
                if asked is None or tries - asked >= 25:
                    self.python("from aqt.qt import QTimer\nQTimer.singleShot(0, mw.reviewer._showAnswer)")
                    asked = tries
                value = self.eval_reviewer(script)
                if value:
                    break
            time.sleep(0.2)
        self.python("from aqt.qt import QTimer\nQTimer.singleShot(0, lambda: mw.moveToState('deckBrowser'))")
        return value

    def _review(self, deck: str) -> None:
        """The reviewer opened on ``deck``, from Qt's event loop: AnkiConnect's own gui actions run
        inside its request and leave the webview on the deck's overview."""
        assert self.call("guiDeckOverview", name=deck)
        self.python("from aqt.qt import QTimer\nQTimer.singleShot(0, lambda: mw.moveToState('review'))")

    def api_call_count(self) -> int:
        """How many requests AnkiConnect has logged (its ``apiLogPath``)."""
        return len(self.api_calls())

    def api_calls(self) -> list[str]:
        """The actions AnkiConnect logged so far (its ``apiLogPath``)."""
        if not self.api_log.exists():
            return []
        actions = []
        for line in self.api_log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("[request]"):
                actions.append(line)
        return actions

    def start(self) -> None:
        """Start Anki (again) on this base folder and wait until AnkiConnect answers."""
        env = dict(os.environ)
        env.update(
            DISPLAY=self.xvfb_display,
            QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox --disable-gpu",
            QT_QPA_PLATFORM="xcb",
            ANKI_NOHIGHDPI="1",
            PYTHONUNBUFFERED="1",
            # Anki hands its arguments to a running Anki of the same user and exits: one of its own
            ANKI_SINGLE_INSTANCE_KEY=self.instance_key,
        )
        env.pop("ANKI_BASE", None)
        command = [sys.executable, "-c", "import aqt; aqt.run()", "-b", str(self.base), "-p", PROFILE]
        with self.output.open("ab") as log:
            self.anki = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.anki is not None
            if self.anki.poll() is not None:
                raise RuntimeError(f"Anki exited ({self.anki.returncode}): {self.tail()}")
            try:
                if self.call("version", timeout=5) == 6 and self.call("getDeckConfig", deck="Default"):
                    return
            except (OSError, AnkiConnectRefused, ValueError):
                pass
            time.sleep(0.5)
        self.kill_anki()
        raise RuntimeError(f"AnkiConnect did not answer within {START_SECONDS:.0f} s: {self.tail()}")

    def tail(self) -> str:
        try:
            return self.output.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def kill_anki(self) -> None:
        """Kill Anki's process group (no clean shutdown: as a crash or power cut would)."""
        if self.anki is not None:
            if self.anki.poll() is None:
                os.killpg(self.anki.pid, signal.SIGKILL)
            self.anki.wait(timeout=30)
        self.anki = None
        # the socket of Anki's single-instance server, which a killed Anki leaves behind
        (Path(tempfile.gettempdir()) / self.instance_key).unlink(missing_ok=True)

    @property
    def instance_key(self) -> str:
        return f"flashdigest-test-{self.port}"

    def stop(self) -> None:
        """Kill Anki, then end Xvfb (asked first, so that it removes its lock file)."""
        try:
            self.kill_anki()
        finally:
            if self.xvfb.poll() is None:
                os.killpg(self.xvfb.pid, signal.SIGTERM)
            try:
                self.xvfb.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.xvfb.pid, signal.SIGKILL)
                self.xvfb.wait(timeout=30)


#: a second add-on for the tests only, with two actions AnkiConnect has not: run Python in Anki
#: (``mw`` at hand; the value of ``result``), and run JavaScript in the reviewer's webview
_TEST_ADDON = """
import sys
from aqt import mw
from aqt.qt import QEventLoop, QTimer


def _python(self, code):
    scope = {"mw": mw, "result": None}
    exec(code, scope)
    return scope["result"]


def _eval(self, script):
    box = {}
    loop = QEventLoop()

    def done(value):
        box["value"] = value
        loop.quit()

    mw.reviewer.web.evalWithCallback(script, done)
    QTimer.singleShot(20000, loop.quit)
    loop.exec()
    return box.get("value")


# add-ons load in folder order, so AnkiConnect (2055492159) is loaded and listening already
_plugin = sys.modules["2055492159"]
setattr(type(_plugin.ac), "flashdigestTestPython", _plugin.util.api()(_python))
setattr(type(_plugin.ac), "flashdigestTestEval", _plugin.util.api()(_eval))
"""


def make_base(base: Path, port: int, key: str | None) -> None:
    """A base folder with profile ``User 1`` and the AnkiConnect add-on bound to ``port``."""
    base.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", _MAKE_PROFILE, str(base), PROFILE], check=True, timeout=120)
    (base / "gldriver6").write_text("software\n")
    addons = base / "addons21"
    shutil.copytree(ADDON_SOURCE, addons / ADDON_ID, ignore=shutil.ignore_patterns("__pycache__"))
    config = {
        "apiKey": key,
        "apiLogPath": str(base / "ankiconnect.log"),
        "webBindAddress": "127.0.0.1",
        "webBindPort": port,
        "webCorsOriginList": ["http://localhost"],
        "ignoreOriginList": [],
    }
    (addons / ADDON_ID / "meta.json").write_text(json.dumps({"config": config, "disabled": False}))
    tester = addons / "zz_flashdigest_test"
    tester.mkdir()
    (tester / "__init__.py").write_text(_TEST_ADDON)
    (tester / "meta.json").write_text(json.dumps({"disabled": False}))


def start_anki(base: Path, key: str | None = None) -> AnkiDesktop:
    """Anki desktop on a new base folder ``base``, under a new Xvfb, answering AnkiConnect."""
    port = free_port()
    make_base(base, port, key)
    number = free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    desktop = AnkiDesktop(base, port, key, xvfb, output=base / "anki-output.log", xvfb_display=f":{number}")
    try:
        desktop.start()
    except BaseException:
        desktop.stop()
        raise
    return desktop
