"""Benchmark `grader batch`: 200 three-page PDFs with --jobs 1 and --jobs 2, then a re-run from the cache.

    python bench/bench_batch.py                 # 200 files, medians of 3 runs
    python bench/bench_batch.py --files 50 --runs 5

Each run is the real command in a fresh process (`python -m grader batch`), so spaCy's import and the
workers' start are counted; the `--jobs 1` and `--jobs 2` runs alternate, so that drift in the
machine's speed moves both. A cold run writes into an empty folder (no cache); the cached runs
repeat the command on the folder the last cold run filled. Peak resident memory per worker is read
from the gradebook (results.json, "run" section).

The last table measures how the grading itself scales on this machine: the same grading of the same
files (read, analyse, check; no report, no cache, no start-up), in one forked process and then split
between two, alternately. It is the practical ceiling for the batch's speed-up (the batch can gain a
little beyond it only by reading files on the second core while spaCy loads on the first).
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from builders import platypus_pdf  # noqa: E402

MARKETS = ["Germany", "Sweden", "the Netherlands", "Austria", "Finland", "Norway", "Spain", "Italy"]
LEVERS = ["one-tap checkout", "pay-in-3 as the default", "a softer credit-limit increase",
          "early contact for late payers", "a merchant retention desk", "a lower fraud-review threshold"]


def blocks(i: int) -> list[tuple[str, str]]:
    """A three-page take-home; the market, lever, money and risk vary, and some drafts miss the euro figure."""
    market, lever = MARKETS[i % len(MARKETS)], LEVERS[i % len(LEVERS)]
    money = f"€{1 + i % 9}.{i % 10}M" if i % 4 else f"${1 + i % 9}.{i % 10}M"
    opening = (f"We should launch {lever} for returning customers in {market} first, because drop-off on the "
               f"payment screen doubled after the 3DS rollout. Recovering 5% of abandoned baskets is worth "
               f"about {money} in revenue a year.")
    body = (f"Returning customers in {market} abandon {10 + i % 7}% of baskets at the payment step; most of "
            "them already bought from us twice, so the recovered revenue carries little extra credit risk.")
    risk = ("The main risk is higher fraud losses on the faster path; we mitigate it with a staged rollout "
            "and a weekly review of chargebacks.")
    out = [("title", f"Take-home {i}: {lever} in {market}"), ("para", "Candidate: Jane Doe"), ("heading", "Summary"),
           ("para", opening)]
    for page in range(3):
        out += [("heading", f"Section {page + 1}")] + [("para", body)] * 5 + [("para", risk)]
        if page < 2:
            out.append(("pagebreak", ""))
    out.append(("para", f"We recommend launching {lever} in {market} next quarter."))
    return out


def run(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _grade_all(rubric, paths: list[str], answer) -> None:
    from grader.grading import grade

    try:
        for path in paths:
            grade(path, rubric)
    finally:
        answer.put(len(paths))  # said even when grading failed, so the benchmark never waits forever


def ceiling(paths: list[str], runs: int) -> tuple[float, float]:
    """Medians of the grading alone in one forked process, and in two that split the files: from the
    first fork until the last process has finished. Runs alternate. This process loads spaCy, the
    rubric and the readers once before forking, as the batch does."""
    from grader.batch_pool import warm
    from grader.rubric import load_rubric

    rubric = load_rubric(None)
    warm(rubric, paths)
    gc.freeze()
    ctx = multiprocessing.get_context("fork")
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(runs):
        for procs in (1, 2):
            answer = ctx.Queue()
            workers = [ctx.Process(target=_grade_all, args=(rubric, paths[i::procs], answer)) for i in range(procs)]
            start = time.perf_counter()
            for worker in workers:
                worker.start()
            graded = sum(answer.get() for _ in workers)
            times[procs].append(time.perf_counter() - start)
            for worker in workers:
                worker.join()
            if graded != len(paths) or any(worker.exitcode for worker in workers):
                raise SystemExit("the grading alone failed in a forked process; see the error above")
    return statistics.median(times[1]), statistics.median(times[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    grader = [sys.executable, "-m", "grader", "batch"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        drafts = tmp / "drafts"
        drafts.mkdir()
        started = time.perf_counter()
        paths = [str(drafts / f"draft-{i:03d}.pdf") for i in range(opts.files)]
        for i, path in enumerate(paths):
            platypus_pdf(Path(path), blocks(i))
        print(f"built {opts.files} three-page PDFs in {time.perf_counter() - started:.1f} s\n")
        rows = []
        times: dict[int, list[float]] = {1: [], 2: []}
        workers: dict[int, list] = {}
        for n in range(opts.runs):  # alternating, so that drift in the machine's speed moves both alike
            for jobs in (1, 2):
                out = tmp / f"out-j{jobs}-{n}"
                times[jobs].append(run([*grader, str(drafts), "-o", str(out), "--jobs", str(jobs)]))
                book = json.loads((out / "results.json").read_text(encoding="utf-8"))
                assert len(book["files"]) == opts.files and book["summary"]["graded_now"] == opts.files
                workers[jobs] = book["run"]["workers"]
        for jobs in (1, 2):
            median = statistics.median(times[jobs])
            peaks = ", ".join(f"{w['peak_rss_mb']:.0f} MB ({w['files']} files)" for w in workers[jobs])
            rows.append((f"cold, --jobs {jobs}", median, opts.files / median, peaks))
        cached = [run([*grader, str(drafts), "-o", str(out), "--jobs", "2"]) for _ in range(opts.runs)]
        book = json.loads((out / "results.json").read_text(encoding="utf-8"))
        assert book["summary"]["from_cache"] == opts.files and book["run"]["workers_started"] == 0
        median = statistics.median(cached)
        rows.append(("cached re-run", median, opts.files / median, "no worker started"))
        alone = None
        if opts.files >= 2 and "fork" in multiprocessing.get_all_start_methods():
            alone = ceiling(paths, opts.runs)
    print(f"| {opts.files} three-page PDFs | median of {opts.runs} (s) | files/s | peak RSS per worker |")
    print("|---|---:|---:|---|")
    for name, median, rate, peaks in rows:
        print(f"| {name} | {median:.2f} | {rate:.0f} | {peaks} |")
    speedup = rows[0][1] / rows[1][1]
    print(f"\n--jobs 2 is {speedup:.2f}× as fast as --jobs 1 (target ≥ 1.8× {'✓' if speedup >= 1.8 else '✗'})")
    if alone:
        one, two = alone
        print(f"\n| the grading alone ({opts.files} files) | median of {opts.runs} (s) |\n|---|---:|")
        print(f"| one process | {one:.2f} |\n| two processes, half each | {two:.2f} |")
        print(f"\nThis machine runs the grading {one / two:.2f}× as fast in two processes as in one: "
              "the practical ceiling for the batch's speed-up.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
