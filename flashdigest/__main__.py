"""The flashdigest process: what the ``flashdigest`` command and ``python -m flashdigest`` run.

A run lives a fraction of a second to a few seconds, and nearly every object it keeps is made by
the modules it loads: classes, functions, compiled patterns, click's commands. Python's cyclic
collector would walk them all again and again, and once more at exit, to find no garbage. So the
command line loads with the collector off, what it made is then frozen (set aside from every
later collection) and the collector works on the run's own objects; at exit everything left is
frozen too, so the interpreter's last collection has nothing to walk. About 13 ms of a daily run of
some 130 ms (docs/performance.md). Library users calling :mod:`flashdigest` are not touched.
"""

from __future__ import annotations

import atexit
import gc


def run() -> None:
    """Run the command line as the program (its exit code is the process's)."""
    gc.disable()
    try:
        from .cli import main
    finally:
        gc.freeze()
        gc.enable()
    atexit.register(gc.freeze)
    main(prog_name="flashdigest")


if __name__ == "__main__":
    run()
