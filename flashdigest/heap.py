"""The C heap of a process that makes many decks: memory it frees kept for the next deck (glibc).

glibc gives the top of its heap back to the system whenever a free leaves more there than its trim
threshold (128 KB to begin with, raised by the first large frees). Each page a run reads is parsed
into a tree of about a megabyte (lexbor's), freed once the page is done: when that memory lies at
the top of the heap, every page gives it back and then faults it in again, a page at a time.
Whether it lies there depends on the order of every allocation before it, so a change anywhere in
the run can bring it on: measured (docs/performance.md), a cold export of the benchmark's 360 pages
went from 5,000 minor page faults to 104,000 and 0.2-0.4 s more of system time after a change to
a text helper, and a JSONL archive's export had 112,000 all along. A fixed threshold of a few
megabytes keeps that memory whatever the order: some 5,000 faults, and at most
:data:`TRIM_THRESHOLD` kept that a run could have given back.

A process sets it once it makes its second deck (a daily run makes one: this module's ``ctypes``
is not imported there), and only when the program asks for it (:data:`enabled`, set by
``flashdigest/__main__.py``): the processes of library users calling :mod:`flashdigest` are not
touched. Workers forked by the run have it from the run. Elsewhere than on glibc: nothing.
(Neutral: imports nothing of flashdigest.)
"""

from __future__ import annotations

import sys

#: set by the program (``flashdigest/__main__.py``); left False, nothing is changed
enabled = False
#: what the top of the heap may hold free before it is given back (glibc's M_TRIM_THRESHOLD):
#: 2 MB was enough for the benchmark's pages, 1 MB was not; 8 MB for larger pages
TRIM_THRESHOLD = 8 << 20
_M_TRIM_THRESHOLD = -1  # (the parameter's number in glibc's malloc.h)
_decks = 0


def deck_made() -> None:
    """Count a deck this process made; at the second, keep freed memory (when :data:`enabled`)."""
    global _decks
    _decks += 1
    if _decks == 2 and enabled:
        keep_freed_memory()


def keep_freed_memory() -> bool:
    """Set glibc's trim threshold to :data:`TRIM_THRESHOLD`; False where there is no glibc
    ``mallopt`` to set it with (another C library, another system) or it refused."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):  # (no ctypes, or a C library without mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
