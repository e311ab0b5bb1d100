"""Where a page's CPU time goes: each stage of making a deck, timed alone in this process.

    python bench/stages.py PAGES_DIR [--pages 120] [--repeat 4]

PAGES_DIR is a folder of HTML digest pages (``bench/corpus.py OUT`` makes one in ``OUT/html``).
Each stage is timed over the same pages, the best of ``--repeat`` rounds, and printed in ms a page:
reading and parsing the page (and of that, sanitizing its flowcharts from the parsed page, in µs
a flowchart), building the deck, stamping it and packaging it in memory. Nothing is written.
`make bench` gives the ratios the goals are set in; this tells which part of a page to look at.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from flashdigest.cards import build_deck
from flashdigest.export import deck_bytes, stamp_deck
from flashdigest.parse import read_digests
from flashdigest.svg import sanitize_svg_node

NOW = 1_700_000_000


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """The shortest of ``repeat`` timed calls of ``work``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pages", type=Path)
    parser.add_argument("--pages", dest="count", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=4)
    args = parser.parse_args()
    pages = sorted(args.pages.glob("*.html"))[: args.count]
    if not pages:
        parser.error(f"no .html pages in {args.pages}")
    digests = [digest for page in pages for digest in read_digests(page)]
    builds = [build_deck(digest) for digest in digests]
    stamps = [stamp_deck(build, None, NOW) for build in builds]
    flowcharts = [
        node for page in pages for node in LexborHTMLParser(page.read_text()).css(".flowchart-card svg")
    ]
    times = {
        "read and parse": best_of(args.repeat, lambda: [list(read_digests(page)) for page in pages]),
        "build": best_of(args.repeat, lambda: [build_deck(digest) for digest in digests]),
        "stamp": best_of(args.repeat, lambda: [stamp_deck(build, None, NOW) for build in builds]),
        "package": best_of(
            args.repeat,
            lambda: [deck_bytes(build, stamp) for build, stamp in zip(builds, stamps, strict=True)],
        ),
    }
    flowchart = best_of(args.repeat, lambda: [sanitize_svg_node(node) for node in flowcharts])
    for stage, seconds in times.items():
        print(f"{stage:>15}: {seconds / len(pages) * 1000:6.2f} ms a page")
    print(f"{'total':>15}: {sum(times.values()) / len(pages) * 1000:6.2f} ms a page")
    if flowcharts:
        each = flowchart / len(flowcharts) * 1e6
        print(f"{'of the parse':>15}: {each:6.0f} µs a flowchart ({len(flowcharts)})")


if __name__ == "__main__":
    main()
