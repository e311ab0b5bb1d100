"""The flashdigest process: what the ``flashdigest`` command and ``python -m flashdigest`` run.

A run lives a fraction of a second to a few seconds, and nearly every object it keeps is made by
the modules it loads: classes, functions, compiled patterns, click's commands. Python's cyclic
collector would walk them all again and again, and once more at exit, to find no garbage. So the
command line loads with the collector off, what it made is then frozen (set aside from every
later collection) and the collector works on the run's own objects; at exit everything left is
frozen too, so the interpreter's last collection has nothing to walk. About 13 ms of a daily run of
some 130 ms (docs/performance.md). The collector also waits for 50,000 new objects, not Python's
700: what a run makes at that pace is mostly what it keeps to its end (the modules a daily run loads
once it has work: the parser, the card builder, the exporter), which a daily run walked in vain
some 14 times (2 ms), while a run's garbage is nearly all freed as soon as it is dropped (a cold
export of 360 pages left 130 objects for the collector). Measured: no collection at all in a daily
run or a cold export, and the same peak memory (docs/performance.md).
Library users calling :mod:`flashdigest` are not touched.
"""

from __future__ import annotations

import atexit
import gc

from . import heap

#: new objects between collections during a run (Python's default is 700); the older generations' as they are
YOUNG_THRESHOLD = 50_000


def run() -> None:
    """Run the command line as the program (its exit code is the process's)."""
    gc.disable()
    try:
        from .cli import main
    finally:
        gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        gc.enable()
    atexit.register(gc.freeze)
    heap.enabled = True  # (memory freed kept for the next deck, once a run makes several)
    main(prog_name="flashdigest")


if __name__ == "__main__":
    run()
