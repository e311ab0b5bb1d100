"""`make bench`: time flashdigest against baselines measured in the same run; print and save a table.

Every figure is the best of --repeat runs of a fresh process (QUICK times as many for the runs of
under a second, whose baseline, `python -c pass`, is 0.02 s: a millisecond of noise is 5% of it),
so that start-up counts and noise from other work on the machine is damped. A figure and its
baseline are run in turns (the floor, then the cold export, then the floor again...), so that a
ratio compares runs that met the same moments of the machine.
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
#: the runs of under a second are repeated this many times more
QUICK = 5
# The measured processes use and write bytecode caches, as an installed flashdigest does: a shell
# with PYTHONDONTWRITEBYTECODE set would otherwise recompile every module in every timed run.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
RSS_PROBE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


#: a command to time, how many times, and what to run untimed ahead of each run (or None)
Run = tuple[list[str], int, object]


def timed(command: list[str], repeat: int, before: object = None) -> float:
    """Best wall time of ``repeat`` runs of ``command``; ``before()`` runs untimed ahead of each."""
    return interleaved((command, repeat, before))[0]


def interleaved(*runs: Run) -> list[float]:
    """The best wall time of each run, their repeats taken in turns (one of each, then again), so
    that a figure and the baseline it is divided by meet the same moments of a noisy machine."""
    best = [float("inf")] * len(runs)
    for turn in range(max(repeat for _command, repeat, _before in runs)):
        for index, (command, repeat, before) in enumerate(runs):
            if turn < repeat:
                if callable(before):
                    before()
                os.sync()  # (what an earlier run left to write back is not this one's cost)
                start = time.perf_counter()
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
                best[index] = min(best[index], time.perf_counter() - start)
    return best


def peak_rss_mb(command: list[str], workers: int | None = None) -> float:
    """The largest resident set of the run's processes (each alone: ru_maxrss of the children)."""
    env = {**os.environ, "FLASHDIGEST_WORKERS": str(workers)} if workers else None
    output = subprocess.run(
        [PYTHON, "-c", RSS_PROBE, *command], check=True, capture_output=True, text=True, env=env
    )
    return int(output.stdout.split()[-1]) / 1024


def peak_tree_rss_mb(command: list[str]) -> float:
    """The largest sum of proportional set sizes (PSS: a page shared by n processes counts 1/n in
    each, so forked workers' shared pages count once) of the run and its worker processes,
    sampled every 20 ms from /proc (Linux; 0 elsewhere)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.02)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command)
    return peak / 1024


def _pss_kb(proc: Path) -> int:
    try:
        for line in (proc / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree_rss_kb(root: int) -> int:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            pid = int(status.parent.name)
            parents[pid] = int(fields["PPid"])
            rss[pid] = _pss_kb(status.parent) or int(fields.get("VmRSS", "0 kB").split()[0])
        except (OSError, ValueError, KeyError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree)


def make_corpus(folder: Path, days: int) -> None:
    subprocess.run([PYTHON, str(HERE / "corpus.py"), str(folder), "--days", str(days)], check=True)


def fresh(folder: Path) -> object:
    return lambda: shutil.rmtree(folder, ignore_errors=True)


Row = tuple[str, float, str, float, str]


def measure(work: Path, days: int, repeat: int) -> list[Row]:
    """The issue's figures, each as a ratio to a baseline measured in the same run."""
    corpus = work / "corpus"
    make_corpus(corpus, days)
    notes = work / "notes.json"
    subprocess.run([PYTHON, str(HERE / "floor.py"), "dump", str(notes), str(corpus / "html")], check=True)
    out, floor_out = work / "decks", work / "floor"
    floor, cold = interleaved(
        ([PYTHON, str(HERE / "floor.py"), "write", str(notes), str(floor_out)], repeat, fresh(floor_out)),
        ([*FLASHDIGEST, str(corpus / "html"), "--out", str(out)], repeat, fresh(out)),
    )
    rerun = timed([*FLASHDIGEST, str(corpus / "html"), "--out", str(out)], repeat * QUICK)
    text = timed([*FLASHDIGEST, str(corpus / "text"), "--out", str(work / "t")], repeat, fresh(work / "t"))
    python, new_page = interleaved(
        ([PYTHON, "-c", "pass"], repeat * QUICK, None), _one_new_page(work, repeat * QUICK)
    )
    jsonl, appended = interleaved(
        ([*FLASHDIGEST, str(corpus / "jsonl"), "--out", str(work / "j")], repeat, fresh(work / "j")),
        _one_more_day(corpus, work, days, repeat * QUICK),
    )
    return [
        ("cold export, HTML pages", cold, "bare genanki floor", floor, "<= 0.3x"),
        ("cold export, text digests + answer keys", text, "bare genanki floor (HTML notes)", floor, "-"),
        ("cold export, JSONL archive", jsonl, "bare genanki floor (HTML notes)", floor, "-"),
        ("unchanged re-run, HTML pages", rerun, "cold export, HTML pages", cold, "<= 0.02x"),
        ("one new page into a folder of 60 exported", new_page, "python -c pass", python, "<= 5x"),
        (
            "one more day appended to the JSONL archive",
            appended,
            "cold export, JSONL archive",
            jsonl,
            "<= 0.1x",
        ),
    ]


def _one_new_page(work: Path, repeat: int) -> Run:
    """The daily cron run: a folder of 60 exported pages, one page more."""
    corpus, out = work / "daily", work / "daily-decks"
    make_corpus(corpus, 61)
    pages = sorted((corpus / "html").glob("*.html"))
    (corpus / "new").mkdir()
    shutil.move(str(pages[-1]), corpus / "new" / pages[-1].name)
    subprocess.run([*FLASHDIGEST, str(corpus / "html"), "--out", str(out)], check=True)
    before = work / "daily-before"
    shutil.copytree(out, before)

    def reset() -> None:
        (corpus / "html" / pages[-1].name).unlink(missing_ok=True)
        shutil.rmtree(out)
        shutil.copytree(before, out)
        shutil.copy(corpus / "new" / pages[-1].name, corpus / "html" / pages[-1].name)

    return ([*FLASHDIGEST, str(corpus / "html"), "--out", str(out)], repeat, reset)


def _one_more_day(corpus: Path, work: Path, days: int, repeat: int) -> Run:
    """The archive exported, then the same file grown by one more day's rows and exported again."""
    extra = work / "extra-day"
    subprocess.run(
        [PYTHON, str(HERE / "corpus.py"), str(extra), "--days", "1", "--first-day", str(days + 10)],
        check=True,
    )
    archive = work / "grown" / "summaries.jsonl"
    archive.parent.mkdir()
    shutil.copy(corpus / "jsonl" / "summaries.jsonl", archive)
    exported, out = work / "grown-exported", work / "grown-decks"
    subprocess.run([*FLASHDIGEST, str(archive.parent), "--out", str(exported)], check=True)
    with archive.open("ab") as handle:
        handle.write((extra / "jsonl" / "summaries.jsonl").read_bytes())

    def reset() -> None:
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(exported, out)

    return ([*FLASHDIGEST, str(archive.parent), "--out", str(out)], repeat, reset)


MemoryRow = tuple[int, float, float, float]


def memory_rows(work: Path, sizes: list[int]) -> list[MemoryRow]:
    """Per corpus size: peak RSS of a serial HTML run, the summed peak of a run on every core, and
    the JSONL archive's (its dates are made in the run's own process)."""
    rows = []
    for days in sizes:
        corpus = work / f"mem-{days}"
        make_corpus(corpus, days)
        html = [*FLASHDIGEST, str(corpus / "html"), "--out"]
        serial_mb = peak_rss_mb([*html, str(corpus / "out-serial")], workers=1)
        parallel_mb = peak_tree_rss_mb([*html, str(corpus / "out-parallel")])
        jsonl_mb = peak_rss_mb([*FLASHDIGEST, str(corpus / "jsonl"), "--out", str(corpus / "out-jsonl")])
        rows.append((days, serial_mb, parallel_mb, jsonl_mb))
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
    rows: list[Row],
    memory: list[MemoryRow],
    days: int,
    repeat: int,
) -> str:
    lines = [
        f"Corpus: {days} digests (HTML pages of ~77 KB with inline SVG; 3 papers x 5 points, "
        "Methods and Results with figures, x 3 questions), "
        f"the same as text + answer keys, and as one JSONL archive. Best of {repeat} runs each "
        f"({repeat * QUICK} for the runs of under a second).",
        f"Machine: {machine()}. Measured {time.strftime('%Y-%m-%d')}.",
        "",
        "| measurement | time | baseline | baseline time | ratio | target |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, value, base_name, base, target in rows:
        cells = [name, _duration(value), base_name, _duration(base), f"{value / base:.2f}x", target]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| digests exported | peak RSS, HTML, one process | peak PSS, HTML, run + workers summed "
        "(every core; sampled) | peak RSS, JSONL | ratio to smallest (one process / JSONL) |",
        "| --- | --- | --- | --- | --- |",
    ]
    first = memory[0]
    for days_, serial_mb, parallel_mb, jsonl_mb in memory:
        lines.append(
            f"| {days_} | {serial_mb:.0f} MB | {parallel_mb:.0f} MB | {jsonl_mb:.0f} MB | "
            f"{serial_mb / first[1]:.2f}x / {jsonl_mb / first[3]:.2f}x |"
        )
    return "\n".join(lines) + "\n"


def _duration(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


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
