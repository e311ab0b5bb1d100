"""Stage 0, the web: the digest site's pages -> ``<into>/YYYY-MM-DD.html``, politely and incrementally.

Public entry point: :func:`fetch_site`. It reads the site's index, saves each linked digest page
not saved yet, and re-checks with conditional requests the pages of the newest dates, where
corrections land. Nothing here imports a later stage: ``export`` reads what a fetch saved.
"""

from __future__ import annotations

from ..options import DEFAULT_SITE
from .report import RECENT_DATES, FetchOptions, FetchReport, Outcome, PageResult
from .run import fetch_site, mark_for_recheck

__all__ = [
    "DEFAULT_SITE",
    "RECENT_DATES",
    "FetchOptions",
    "FetchReport",
    "Outcome",
    "PageResult",
    "fetch_site",
    "mark_for_recheck",
]
