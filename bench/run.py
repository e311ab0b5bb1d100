"""`make bench`: time flashdigest against baselines measured in the same run; print and save a table.

Every figure is the best of --repeat runs of a fresh process, so that start-up counts and noise from
other work on the machine is damped; ratios compare figures taken minutes apart on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
FLASHDIGEST = [PYTHON, "-m", "flashdigest", "export", "-q"]
# The measured processes use and write bytecode caches, as an installed flashdigest does: a shell
# with PYTHONDONTWRITEBYTECODE set would otherwise recompile every module in every timed run.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
RSS_PROBE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(command: list[str], repeat: int, before: object = None) -> float:
    """Best wall time of ``repeat`` runs of ``command``; ``before()`` runs untimed ahead of each."""
    best = float("inf")
    for _ in range(repeat):
        if callable(before):
            before()
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_mb(command: list[str]) -> float:
    output = subprocess.run([PYTHON, "-c", RSS_PROBE, *command], check=True, capture_output=True, text=True)
    return int(output.stdout.split()[-1]) / 1024


def make_corpus(folder: Path, days: int) -> None:
    subprocess.run([PYTHON, str(HERE / "corpus.py"), str(folder), "--days", str(days)], check=True)


def fresh(folder: Path) -> object:
    return lambda: shutil.rmtree(folder, ignore_errors=True)


def measure(work: Path, days: int, repeat: int) -> list[tuple[str, float, str, float, str]]:
    corpus = work / "corpus"
    make_corpus(corpus, days)
    notes = work / "notes.json"
    subprocess.run([PYTHON, str(HERE / "floor.py"), "dump", str(notes), str(corpus / "html")], check=True)
    out, floor_out = work / "decks", work / "floor"
    floor = timed(
        [PYTHON, str(HERE / "floor.py"), "write", str(notes), str(floor_out)], repeat, fresh(floor_out)
    )
    cold = timed([*FLASHDIGEST, str(corpus / "html"), "--out", str(out)], repeat, fresh(out))
    text = timed([*FLASHDIGEST, str(corpus / "text"), "--out", str(work / "t")], repeat, fresh(work / "t"))
    jsonl = timed([*FLASHDIGEST, str(corpus / "jsonl"), "--out", str(work / "j")], repeat, fresh(work / "j"))
    rerun = timed([*FLASHDIGEST, str(corpus / "html"), "--out", str(out)], repeat)
    new_day = _one_new_digest(corpus, out, days, repeat)
    python = timed([PYTHON, "-c", "pass"], repeat)
    rows = [
        ("cold export, HTML pages", cold, "bare genanki floor", floor, "<= 1.0x"),
        ("cold export, text digests + answer keys", text, "bare genanki floor (HTML notes)", floor, "-"),
        ("cold export, JSONL archive", jsonl, "bare genanki floor (HTML notes)", floor, "-"),
        ("unchanged re-run", rerun, "cold export, HTML pages", cold, "<= 0.05x"),
        ("one new digest into the full output", new_day, "python -c pass", python, "< 0.5 s"),
    ]
    return rows


def _one_new_digest(corpus: Path, out: Path, days: int, repeat: int) -> float:
    best = float("inf")
    for attempt in range(repeat):
        extra = corpus.parent / f"extra-{attempt}"
        subprocess.run(
            [
                PYTHON,
                str(HERE / "corpus.py"),
                str(extra),
                "--days",
                "1",
                "--first-day",
                str(days + 10 + attempt),
            ],
            check=True,
        )
        (page,) = (extra / "html").glob("*.html")
        shutil.copy(page, corpus / "html" / page.name)
        start = time.perf_counter()
        subprocess.run([*FLASHDIGEST, str(corpus / "html"), "--out", str(out)], check=True)
        best = min(best, time.perf_counter() - start)
    return best


def memory_rows(work: Path, sizes: list[int]) -> list[tuple[int, float, float]]:
    rows = []
    for days in sizes:
        corpus = work / f"mem-{days}"
        make_corpus(corpus, days)
        html_mb = peak_rss_mb([*FLASHDIGEST, str(corpus / "html"), "--out", str(corpus / "out-html")])
        jsonl_mb = peak_rss_mb([*FLASHDIGEST, str(corpus / "jsonl"), "--out", str(corpus / "out-jsonl")])
        rows.append((days, html_mb, jsonl_mb))
    return rows


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = f"Python {platform.python_version()}"
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, {python}, {platform.system()}"


def table(
    rows: list[tuple[str, float, str, float, str]],
    memory: list[tuple[int, float, float]],
    days: int,
    repeat: int,
) -> str:
    lines = [
        f"Corpus: {days} digests (HTML pages of ~77 KB with inline SVG; 3 papers x 5 points x 3 questions), "
        f"the same as text + answer keys, and as one JSONL archive. Best of {repeat} runs each.",
        f"Machine: {machine()}. Measured {time.strftime('%Y-%m-%d')}.",
        "",
        "| measurement | time | baseline | baseline time | ratio | target |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, value, base_name, base, target in rows:
        lines.append(
            f"| {name} | {value:.2f} s | {base_name} | {base:.2f} s | {value / base:.2f}x | {target} |"
        )
    lines += [
        "",
        "| digests exported | peak RSS, HTML | peak RSS, JSONL | ratio to smallest (HTML / JSONL) |",
        "| --- | --- | --- | --- |",
    ]
    first = memory[0]
    for days_, html_mb, jsonl_mb in memory:
        lines.append(
            f"| {days_} | {html_mb:.0f} MB | {jsonl_mb:.0f} MB | "
            f"{html_mb / first[1]:.2f}x / {jsonl_mb / first[2]:.2f}x |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=360)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--results", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flashdigest-bench-") as folder:
        work = Path(folder)
        rows = measure(work, args.days, args.repeat)
        memory = memory_rows(work, [args.days // 12, args.days // 3, args.days])
    result = table(rows, memory, args.days, args.repeat)
    print(result)
    args.results.write_text("# Benchmark results (`make bench`)\n\n" + result, encoding="utf-8")
    print(json.dumps({"results": str(args.results)}))


if __name__ == "__main__":
    main()
