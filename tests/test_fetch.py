"""`flashdigest fetch` and `export --fetch` against a real HTTP server on 127.0.0.1 (no HTTP mocks)."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from urllib3.response import HTTPResponse

from flashdigest.cli import main
from flashdigest.errors import OutputBusy
from flashdigest.fetch import FetchOptions, FetchReport, fetch_site
from flashdigest.fetch.client import CappedRetry
from flashdigest.fetch.index import page_links
from flashdigest.fetch.memory import MEMORY_NAME, TEMP_SUFFIX
from flashdigest.limits import LIMITS
from flashdigest.lock import output_lock
from tests.conftest import ROOT, SAMPLES
from tests.fetch_server import Page, Reply, Site, index_page, serve

pytestmark = [pytest.mark.network, pytest.mark.timeout(60)]

DATES = [f"2026-08-{day:02d}" for day in (3, 4, 5, 6, 7, 10, 11, 12, 13)]  # 9 dates: 7 recent + 2 older
OLD = "2026-08-03"  # older than the newest 7
RECENT = "2026-08-13"
REAL_INDEX = ROOT.parent / "shared" / "site" / "index.html"


def page_bytes(date: str, version: int = 1) -> bytes:
    return f"<!DOCTYPE html><html><body><h1>{date} Papers</h1><p>v{version} é</p></body></html>".encode()


def page_of(date: str, version: int = 1) -> Page:
    return Page(page_bytes(date, version), f'"{date}-v{version}"', f"Mon, 1{version} Aug 2026 07:00:00 GMT")


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site(pages={"index.html": Page(index_page(DATES))})
    served.pages |= {f"dailies/pages/{date}.html": page_of(date) for date in DATES}
    with serve(served) as running:
        yield running


def fast(site: Site, into: Path, **changes: Any) -> FetchOptions:
    """Options for tests: no delay, short timeouts, two retries without backoff, Retry-After cut short."""
    options = FetchOptions(
        site=site.url,
        into=into,
        delay=0,
        connect_timeout=2,
        read_timeout=2,
        retries=2,
        backoff_factor=0,
        retry_after_max=0.01,
    )
    return replace(options, **changes)


def page_requests(site: Site) -> dict[str, list[int]]:
    return {path: statuses for path, statuses in site.statuses().items() if path != "index.html"}


def saved(into: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(into.iterdir())}


def outcomes(report: FetchReport) -> dict[str, str]:
    return {page.date.isoformat(): str(page.outcome) for page in report.pages}


def test_first_fetch_saves_every_page_byte_for_byte(site: Site, tmp_path: Path) -> None:
    report = fetch_site(fast(site, tmp_path / "digests"))
    assert not report.failures
    assert report.listed == len(DATES)
    assert outcomes(report) == {date: "new" for date in DATES}
    files = saved(tmp_path / "digests")
    assert files.pop(MEMORY_NAME)  # the validators, in a hidden file that export ignores
    assert files.pop(".flashdigest.lock") == b""  # no second fetch into the folder meanwhile
    assert files == {f"{date}.html": page_bytes(date) for date in DATES}
    request = site.requested(f"dailies/pages/{RECENT}.html")[0]
    assert request.headers["user-agent"].startswith("flashdigest/")
    assert "if-none-match" not in request.headers


def test_rerun_transfers_nothing_and_touches_nothing(site: Site, tmp_path: Path) -> None:
    into = tmp_path / "digests"
    fetch_site(fast(site, into))
    for page in into.glob("*.html"):
        os.utime(page, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    site.requests.clear()
    report = fetch_site(fast(site, into))
    assert not report.failures
    recent = sorted(DATES)[-7:]
    # only the newest 7 dates are asked, conditionally, and the server answered 304 to each
    assert page_requests(site) == {f"dailies/pages/{date}.html": [304] for date in recent}
    assert all(site.requested(f"dailies/pages/{d}.html")[0].headers["if-none-match"] for d in recent)
    assert outcomes(report) == {date: "unchanged" for date in recent}
    assert report.not_rechecked == 2
    assert {page.stat().st_mtime_ns for page in into.glob("*.html")} == {1_000_000_000_000_000_000}


def test_new_page_and_corrected_recent_page_are_fetched_alone(site: Site, tmp_path: Path) -> None:
    into = tmp_path / "digests"
    fetch_site(fast(site, into))
    new = "2026-08-14"
    site.pages["index.html"] = Page(index_page([*DATES, new]))
    site.pages[f"dailies/pages/{new}.html"] = page_of(new)
    site.pages[f"dailies/pages/{RECENT}.html"] = page_of(RECENT, version=2)  # a correction
    site.pages[f"dailies/pages/{OLD}.html"] = page_of(OLD, version=2)  # too old to be re-checked
    site.requests.clear()
    report = fetch_site(fast(site, into))
    assert {d: o for d, o in outcomes(report).items() if o != "unchanged"} == {new: "new", RECENT: "updated"}
    assert [s for s in page_requests(site).values() if 200 in s] == [[200], [200]]
    assert (into / f"{RECENT}.html").read_bytes() == page_bytes(RECENT, 2)
    assert (into / f"{OLD}.html").read_bytes() == page_bytes(OLD, 1)
    assert f"dailies/pages/{OLD}.html" not in page_requests(site)

    report = fetch_site(fast(site, into, recheck_all=True))
    assert {d: o for d, o in outcomes(report).items() if o != "unchanged"} == {OLD: "updated"}
    assert (into / f"{OLD}.html").read_bytes() == page_bytes(OLD, 2)


def test_a_server_without_validators_costs_a_transfer_but_no_rewrite(site: Site, tmp_path: Path) -> None:
    for date in DATES:
        site.pages[f"dailies/pages/{date}.html"] = Page(page_bytes(date))
    into = tmp_path / "digests"
    fetch_site(fast(site, into))
    os.utime(into / f"{RECENT}.html", ns=(10**18, 10**18))
    report = fetch_site(fast(site, into))
    assert outcomes(report)[RECENT] == "unchanged"
    assert site.requested(f"dailies/pages/{RECENT}.html")[-1].status == 200
    assert (into / f"{RECENT}.html").stat().st_mtime_ns == 10**18


def test_503_with_retry_after_is_retried_and_succeeds(site: Site, tmp_path: Path) -> None:
    busy = Reply(503, (("Retry-After", "3600"),), b"busy")  # an hour: cut to retry_after_max
    site.script[f"dailies/pages/{RECENT}.html"] = [busy, Reply(429, (("Retry-After", "1"),))]
    report = fetch_site(fast(site, tmp_path / "digests"))
    assert not report.failures
    assert [r.status for r in site.requested(f"dailies/pages/{RECENT}.html")] == [503, 429, 200]
    assert (tmp_path / "digests" / f"{RECENT}.html").read_bytes() == page_bytes(RECENT)


def test_retry_after_is_honoured_up_to_a_cap() -> None:
    retry = CappedRetry(total=2)
    retry.retry_after_cap = 5.0
    asked = {"Retry-After": "3600"}
    assert retry.new(total=1).get_retry_after(HTTPResponse(headers=asked, status=503)) == 5.0
    assert retry.get_retry_after(HTTPResponse(headers={"Retry-After": "2"}, status=503)) == 2.0


def test_a_page_that_always_fails_is_given_up_and_the_others_arrive(site: Site, tmp_path: Path) -> None:
    site.always[f"dailies/pages/{OLD}.html"] = Reply(500, body=b"oops")
    report = fetch_site(fast(site, tmp_path / "digests", retries=3))
    assert [r.status for r in site.requested(f"dailies/pages/{OLD}.html")] == [500] * 4  # 1 + 3 retries
    (failure,) = report.failures
    assert failure.file == tmp_path / "digests" / f"{OLD}.html"
    assert "HTTP 500" in failure.reason and "after 4 attempts" in failure.reason
    assert sorted(p.name for p in (tmp_path / "digests").glob("*.html")) == [
        f"{d}.html" for d in DATES if d != OLD
    ]


def test_a_site_that_stops_answering_is_given_up_after_three_pages(site: Site, tmp_path: Path) -> None:
    for date in DATES:
        site.always[f"dailies/pages/{date}.html"] = Reply(200, hang_up=True)
    report = fetch_site(fast(site, tmp_path / "digests"))
    newest = sorted(DATES, reverse=True)
    assert page_requests(site) == {f"dailies/pages/{d}.html": [200] * 3 for d in newest[:3]}  # 1 + 2 retries
    *pages, rest = report.failures
    assert [(f.file, f.reason.split(": ")[:2]) for f in pages] == [
        (
            tmp_path / "digests" / f"{d}.html",
            [f"{site.url}dailies/pages/{d}.html", "gave up after 3 attempts"],
        )
        for d in newest[:3]
    ]
    assert (rest.file, rest.reason) == (
        None,
        f"{site.url}index.html: no answer for 3 pages in a row; {len(DATES) - 3} left for the next run",
    )
    assert not list((tmp_path / "digests").glob("*.html"))


def test_an_index_that_moved_is_followed_and_read_where_it_is(site: Site, tmp_path: Path) -> None:
    site.pages["v2/index.html"] = Page(index_page(["2026-08-20"]))
    site.pages["v2/dailies/pages/2026-08-20.html"] = page_of("2026-08-20")
    site.always["index.html"] = Reply(301, (("Location", f"{site.url}v2/index.html"),))
    report = fetch_site(fast(site, tmp_path / "digests"))
    assert not report.failures
    assert [page.url for page in report.pages] == [f"{site.url}v2/dailies/pages/2026-08-20.html"]
    site.always["v2/index.html"] = Reply(302, (("Location", f"{site.url}index.html"),))  # a loop
    report = fetch_site(fast(site, tmp_path / "digests"))
    (failure,) = report.failures
    assert failure.reason.startswith(f"index {site.url}index.html: HTTP 30")


def test_an_index_nested_too_deep_is_refused_unparsed(site: Site, tmp_path: Path) -> None:
    site.pages["index.html"] = Page(b"<div>" * (LIMITS.max_markup_depth + 100) + index_page(DATES))
    report = fetch_site(fast(site, tmp_path / "digests"))
    (failure,) = report.failures
    assert failure.reason == (
        f"index {site.url}index.html: tags nest over {LIMITS.max_markup_depth} deep "
        "(FLASHDIGEST_MAX_MARKUP_DEPTH): "
        "not a digest site's index"
    )
    assert page_requests(site) == {}
    assert [path.name for path in (tmp_path / "digests").iterdir()] == [".flashdigest.lock"]


def test_404_is_reported_once_not_retried(site: Site, tmp_path: Path) -> None:
    del site.pages[f"dailies/pages/{OLD}.html"]
    report = fetch_site(fast(site, tmp_path / "digests"))
    assert [r.status for r in site.requested(f"dailies/pages/{OLD}.html")] == [404]
    (failure,) = report.failures
    assert failure.reason.endswith(f"{OLD}.html: HTTP 404 Not Found")


def test_a_connection_dropped_mid_body_leaves_no_page(site: Site, tmp_path: Path) -> None:
    into = tmp_path / "digests"
    cut = Reply(200, (("ETag", '"cut"'),), page_bytes(RECENT, 2) * 50, drop_after=100)
    site.always[f"dailies/pages/{RECENT}.html"] = cut
    report = fetch_site(fast(site, into))
    (failure,) = report.failures
    assert "page cut short, not saved: Connection broken: IncompleteRead(100 bytes read" in failure.reason
    assert not (into / f"{RECENT}.html").exists()
    assert not list(into.glob(f"*{TEMP_SUFFIX}"))
    # a saved page that a later run fails to replace stays as it was
    del site.always[f"dailies/pages/{RECENT}.html"]
    fetch_site(fast(site, into))
    site.always[f"dailies/pages/{RECENT}.html"] = cut
    assert len(fetch_site(fast(site, into)).failures) == 1
    assert (into / f"{RECENT}.html").read_bytes() == page_bytes(RECENT)
    assert not list(into.glob(f"*{TEMP_SUFFIX}"))


def test_a_page_over_the_size_cap_is_refused(site: Site, tmp_path: Path) -> None:
    site.pages[f"dailies/pages/{RECENT}.html"] = Page(b"<p>" + b"x" * 5000)
    report = fetch_site(fast(site, tmp_path / "digests", max_page_bytes=4000))
    (failure,) = report.failures
    assert "over 4000 bytes (FLASHDIGEST_MAX_PAGE_BYTES)" in failure.reason
    assert not (tmp_path / "digests" / f"{RECENT}.html").exists()


def test_non_digest_and_off_site_links_are_ignored(tmp_path: Path) -> None:
    with serve(Site()) as elsewhere:
        elsewhere.pages["dailies/pages/2026-08-01.html"] = page_of("2026-08-01")
        links = (
            "about.html",
            "dailies/pages/notes.html",
            "dailies/pages/2026-02-30.html",  # no such date
            "dailies/pages/2026-08-02.html?lang=zh",
            "../other_site/dailies/pages/2026-08-02.html",  # outside the site's folder
            f"{elsewhere.url}dailies/pages/2026-08-01.html",  # another port: another site
            "ftp://127.0.0.1/dailies/pages/2026-08-01.html",
            "javascript:alert(1)",
            "mailto:someone@example.org",
        )
        home = Site(pages={"index.html": Page(index_page(["2026-08-05"], links))})
        home.pages["dailies/pages/2026-08-05.html"] = page_of("2026-08-05")
        with serve(home):
            report = fetch_site(fast(home, tmp_path / "digests"))
        assert not report.failures
        assert outcomes(report) == {"2026-08-05": "new"}
        assert list(home.statuses()) == ["index.html", "dailies/pages/2026-08-05.html"]
        assert elsewhere.requests == []


def test_since_and_the_real_index_shape(tmp_path: Path) -> None:
    if not REAL_INDEX.is_file():
        if os.environ.get("FLASHDIGEST_REQUIRE_SHARED"):
            pytest.fail(f"{REAL_INDEX} is missing but FLASHDIGEST_REQUIRE_SHARED is set")
        pytest.skip("../shared/site is absent (fresh clone)")
    markup = REAL_INDEX.read_bytes()
    links = page_links(markup, "https://xinzhang-ops.github.io/daily_paper/index.html")
    assert len(links) == 310
    assert (links[0].date, links[-1].date) == (dt.date(2026, 8, 21), dt.date(2025, 3, 20))
    assert links[0].url == "https://xinzhang-ops.github.io/daily_paper/dailies/pages/2026-08-21.html"
    served = Site(pages={"index.html": Page(markup)})
    served.pages |= {
        f"dailies/pages/{d}.html": page_of(d) for d in ("2026-08-19", "2026-08-20", "2026-08-21")
    }
    with serve(served):
        report = fetch_site(fast(served, tmp_path / "digests", since=dt.date(2026, 8, 19)))
    assert not report.failures
    assert outcomes(report) == {"2026-08-21": "new", "2026-08-20": "new", "2026-08-19": "new"}
    assert len(served.requests) == 4  # the index and those three pages, nothing older


def test_an_unreachable_site_fails_with_the_index_after_retries(tmp_path: Path) -> None:
    with serve(Site()) as gone:
        url = gone.url
    report = fetch_site(replace(fast(gone, tmp_path / "digests"), site=url))
    (failure,) = report.failures
    assert failure.file is None
    assert failure.reason.startswith(f"index {url}index.html: gave up after 3 attempts: Failed to establish")
    assert failure.reason.endswith("Connection refused")
    assert report.pages == []


def test_leftovers_of_a_killed_run_are_removed(site: Site, tmp_path: Path) -> None:
    into = tmp_path / "digests"
    into.mkdir()
    (into / f".{RECENT}.html.abc{TEMP_SUFFIX}").write_bytes(b"<html><body>trunc")
    report = fetch_site(fast(site, into))
    assert report.notices == [f"{into}: removed 1 temporary file(s) of an interrupted fetch"]
    assert not list(into.glob(f"*{TEMP_SUFFIX}"))


def test_a_second_fetch_into_the_same_folder_is_refused(site: Site, tmp_path: Path) -> None:
    into = tmp_path / "digests"
    with output_lock(into, wait=False), pytest.raises(OutputBusy, match="another flashdigest fetch"):
        fetch_site(fast(site, into))
    assert page_requests(site) == {}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_fetch_reports_a_missing_page_in_one_line_and_exits_75(site: Site, tmp_path: Path) -> None:
    del site.pages[f"dailies/pages/{OLD}.html"]
    into = tmp_path / "digests"
    code, out, err = run("fetch", "--site", site.url, "--into", str(into))
    assert code == 75
    assert err.splitlines() == [
        f"flashdigest: error: {into / f'{OLD}.html'}: {site.url}dailies/pages/{OLD}.html: HTTP 404 Not Found"
    ]
    assert f"new {into / f'{RECENT}.html'}" in out.splitlines()
    assert out.splitlines()[-1] == "8 new, 0 updated, 0 unchanged, 1 failed, 0 not re-checked (9 listed)"
    code, out, err = run("fetch", "--site", site.url, "--into", str(into), "--json")
    assert code == 75
    report = json.loads(out)
    assert (report["new"], len(report["unchanged"]), report["not_rechecked"]) == ([], 7, 1)
    assert [f["reason"] for f in report["failed"]] == [
        f"{site.url}dailies/pages/{OLD}.html: HTTP 404 Not Found"
    ]
    site.pages[f"dailies/pages/{OLD}.html"] = page_of(OLD)
    assert run("fetch", "--site", site.url, "--into", str(into), "--quiet") == (0, "", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fetch", "--site", "ftp://127.0.0.1/daily_paper/"), "is not an http(s) address"),
        (("fetch", "--since", "14.04.2026"), "'14.04.2026' does not match the format '%Y-%m-%d'"),
        (("export", "--fetch", "--site", "file:///tmp/site/"), "is not an http(s) address"),
    ],
)
def test_cli_usage_errors_exit_2(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    code, _, err = run(*args, *(["--into", str(tmp_path)] if args[0] == "fetch" else [str(tmp_path)]))
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_export_fetch_fetches_and_exports_in_one_run(tmp_path: Path) -> None:
    dates = ["2025-05-02", "2026-05-06"]  # the sample pages, served as the site's pages
    served = Site(pages={"index.html": Page(index_page(dates))})
    served.pages |= {
        f"dailies/pages/{d}.html": Page((SAMPLES / f"{d}.html").read_bytes(), f'"{d}"') for d in dates
    }
    digests, decks = tmp_path / "digests", tmp_path / "decks"
    with serve(served):
        args = ("export", "--fetch", "--site", served.url, str(digests), "--out", str(decks))
        code, out, err = run(*args, "--json")
        assert (code, err) == (0, "")
        report = json.loads(out)
        assert report["fetch"]["new"] == [str(digests / f"{d}.html") for d in reversed(dates)]
        assert sorted(deck["date"] for deck in report["written"]) == dates
        for date in dates:
            assert (digests / f"{date}.html").read_bytes() == (SAMPLES / f"{date}.html").read_bytes()
            assert (decks / f"{date}.apkg").is_file()
        served.requests.clear()
        assert run(*args, "--quiet") == (0, "", "")  # cron: nothing new, nothing said
        assert sorted(r.status for r in served.requests if r.path != "index.html") == [304, 304]
        shutil.rmtree(digests)
        served.always["dailies/pages/2025-05-02.html"] = Reply(404)
        code, out, err = run(*args, "--quiet")
    assert code == 75  # the fetch failed for a page; the export of the other one went on
    assert err.count("\n") == 1 and "HTTP 404" in err
    assert (digests / "2026-05-06.html").is_file()


def test_export_fetch_holds_the_fetch_folder_and_wants_it_a_folder(site: Site, tmp_path: Path) -> None:
    digests, decks = tmp_path / "digests", tmp_path / "decks"
    args = ("export", "--fetch", "--site", site.url, str(digests), "--out", str(decks))
    with output_lock(digests, wait=False):  # another fetch is writing there
        code, out, err = run(*args)
    assert (code, out) == (75, "")
    assert err.startswith(f"flashdigest: {digests}: another flashdigest")
    assert site.requests == [] and not decks.exists()
    page = tmp_path / "page.html"
    page.write_bytes(page_bytes(RECENT))
    code, _, err = run("export", "--fetch", "--site", site.url, str(page), "--out", str(decks))
    assert code == 2 and "is a file" in err


def test_a_long_fetch_shows_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    dates = [f"2026-07-{day:02d}" for day in range(1, 21)]  # 20 pages: a bar from this many on
    served = Site(pages={"index.html": Page(index_page(dates))})
    served.pages |= {f"dailies/pages/{d}.html": page_of(d) for d in dates}
    into = tmp_path / "digests"
    terminal, tty = pty.openpty()
    try:
        with serve(served):
            command = [
                sys.executable,
                "-m",
                "flashdigest",
                "fetch",
                "--site",
                served.url,
                "--into",
                str(into),
            ]
            done = subprocess.run(
                command, stdout=subprocess.PIPE, stderr=tty, cwd=ROOT, timeout=60, check=False
            )
        shown = b""
        while select.select([terminal], [], [], 0.5)[0] and len(shown) < 100_000:
            shown += os.read(terminal, 4096)
    finally:
        os.close(terminal)
        os.close(tty)
    assert done.returncode == 0
    assert b"fetching" in shown and b"100%" in shown
    assert (
        done.stdout.decode().splitlines()[-1]
        == "20 new, 0 updated, 0 unchanged, 0 failed, 0 not re-checked (20 listed)"
    )


def test_fetch_options_without_fetch_are_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    result = CliRunner().invoke(main, ["export", str(tmp_path / "in"), "--since", "2026-01-01"])
    assert result.exit_code == 2 and "--since: only with --fetch" in result.stderr


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_every_file_a_run_writes_honours_the_umask(site: Site, tmp_path: Path, mask: int, mode: int) -> None:
    """Pages, the fetch's memory, the lock, the decks and the state: one mode policy (umask)."""
    into, out = tmp_path / "digests", tmp_path / "decks"
    old = os.umask(mask)
    try:
        assert not fetch_site(fast(site, into)).failures
        sample = str(SAMPLES / "2026-01-15.txt")  # the test site's pages hold no papers: no deck
        export = CliRunner().invoke(main, ["--no-config", "export", sample, "--out", str(out), "-q"])
    finally:
        os.umask(old)
    assert export.exit_code == 0, export.stderr
    written = [*into.iterdir(), *out.iterdir(), *(out / ".flashdigest-state").glob("*")]
    files = [path for path in written if path.is_file()]
    assert {path.name for path in files} >= {
        MEMORY_NAME,
        ".flashdigest.lock",
        f"{RECENT}.html",
        "2026-01-15.apkg",
    }
    assert {path.name: path.stat().st_mode & 0o777 for path in files} == {path.name: mode for path in files}
