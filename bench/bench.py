"""Benchmarks: grading cost as a ratio to the work the grader cannot avoid, in the same run.

    python bench/bench.py            # medians of 7 runs (commands) and 35 runs (in process), as Markdown
    python bench/bench.py --runs 11

Every measured call runs once untimed first, the baselines too: a first call pays for lazy imports
and caches (python-docx's first load of a file costs nearly twice its later ones), and a ratio
should compare steady states. Each command and its baseline are timed in alternation, so that drift
in the machine's speed over the seconds they take moves both; in-process calls run in blocks. A second table splits the in-process grading into its stages, as
``grader check --profile`` does. Absolute times drift between machines; the ratios are what the
README quotes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from builders import docx_file, platypus_pdf  # noqa: E402

PARAGRAPH = (
    "We should launch one-tap checkout for returning customers in Germany first, because drop-off on the "
    "payment screen doubled after the 3DS rollout and most of it comes from customers who already bought "
    "from us twice. Recovering 5% of abandoned baskets is worth about €2.3M in revenue a year."
)


def document(pages: int) -> list[tuple[str, str]]:
    blocks = [("title", "Reducing checkout drop-off"), ("para", "Candidate: Jane Doe"), ("heading", "Summary")]
    for page in range(pages):
        blocks += [("heading", f"Section {page + 1}")] + [("para", PARAGRAPH)] * 7
        if page < pages - 1:
            blocks.append(("pagebreak", ""))
    return blocks


def median_time(fn, runs: int) -> float:
    fn()  # warm: lazy imports, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired(fn, baseline, runs: int) -> tuple[float, float]:
    """Medians of ``fn`` and ``baseline``, timed in alternation, so that a machine that speeds up or
    slows down during the run moves both alike and their ratio stays put."""
    fn()
    baseline()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for which, call in enumerate((fn, baseline)):
            start = time.perf_counter()
            call()
            times[which].append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def command(args: list[str]) -> None:
    subprocess.run(args, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stage_split(path: Path, rubric, runs: int) -> dict[str, float]:
    """Median seconds per stage of grading ``path`` in process (see grader.profile)."""
    from grader.grading import grade
    from grader.profile import STAGES, profiling

    grade(path, rubric)
    seen: dict[str, list[float]] = {name: [] for name in (*STAGES, "total")}
    for _ in range(runs):
        with profiling() as prof:
            grade(path, rubric)
        for name in STAGES:
            seen[name].append(prof.seconds[name])
        seen["total"].append(prof.wall)
    return {name: statistics.median(times) for name, times in seen.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (at least 5)")
    runs = max(5, parser.parse_args().runs)
    quick = 5 * runs  # in-process measures cost milliseconds: more runs, steadier medians
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pdf3 = platypus_pdf(tmp / "three.pdf", document(3))
        pdf100 = platypus_pdf(tmp / "hundred.pdf", document(100))
        docx3 = docx_file(tmp / "three.docx", document(3))

        import docx
        import pypdf

        from grader.grading import grade
        from grader.rubric import load_rubric

        rubric = load_rubric()
        grade(pdf3, rubric)  # spaCy's pipeline and the rubric's matchers are built once per process
        grade(docx3, rubric)

        def extract(path: Path) -> None:
            for page in pypdf.PdfReader(str(path)).pages:
                page.extract_text()

        def docx_walk() -> None:
            d = docx.Document(str(docx3))
            for p in d.paragraphs:
                _ = p.text
            for t in d.tables:
                for row in t.rows:
                    for cell in row.cells:
                        _ = cell.text

        help_time, click_import = paired(lambda: command([py, "-m", "grader", "--help"]),
                                         lambda: command([py, "-c", "import click"]), runs)
        rows.append(("`grader --help`", help_time, "`python -c 'import click'`", click_import, 2.0))
        version_time, click_import = paired(lambda: command([py, "-m", "grader", "--version"]),
                                            lambda: command([py, "-c", "import click"]), runs)
        rows.append(("`grader --version`", version_time, "`python -c 'import click'`", click_import, 2.0))
        # In-process calls take milliseconds, so drift matters less than what one call leaves behind for the
        # next (caches, the allocator): each runs in a block of its own, as in a watch loop.
        pdf3_time = median_time(lambda: grade(pdf3, rubric), quick)
        rows.append(("grade a 3-page PDF in process", pdf3_time, "pypdf `extract_text()` of it",
                     median_time(lambda: extract(pdf3), quick), 1.3))
        rows.append(("grade a 3-page DOCX in process", median_time(lambda: grade(docx3, rubric), quick),
                     "python-docx load + paragraphs + tables", median_time(docx_walk, quick), 2.0))
        cold, floor = paired(lambda: command([py, "-m", "grader", "check", str(pdf3)]), lambda: command([py, "-c", (
            "import spacy, pypdf; spacy.blank('en'); "
            f"[p.extract_text() for p in pypdf.PdfReader({str(pdf3)!r}).pages]")]), runs)
        rows.append(("cold `grader check` of a 3-page PDF", cold,
                     "spaCy blank pipeline + pypdf extraction, cold", floor, 1.2))
        rows.append(("grade a 100-page PDF in process", median_time(lambda: grade(pdf100, rubric), runs),
                     "grade the 3-page PDF", pdf3_time, 40.0))
        splits = {"3-page PDF": stage_split(pdf3, rubric, quick), "3-page DOCX": stage_split(docx3, rubric, quick)}
    print(f"Medians of {runs} runs of each command and {quick} of each in-process call, "
          f"Python {sys.version.split()[0]}.\n")
    print("| measure | median | baseline | median | ratio | target |")
    print("|---|---:|---|---:|---:|---:|")
    for name, t, base_name, base, target in rows:
        ratio = t / base if base else float("inf")
        mark = "✓" if ratio <= target else "✗"
        print(f"| {name} | {t * 1000:.0f} ms | {base_name} | {base * 1000:.0f} ms | {ratio:.2f}× | ≤ {target:g}× {mark} |")
    from grader.profile import STAGES

    stages = [s for s in STAGES if s != "report"]  # grade() renders nothing
    print("\nWhere the in-process time goes (ms, medians per stage, as `grader check --profile` splits it):\n")
    print("| file | " + " | ".join(stages) + " | total |")
    print("|---|" + "---:|" * (len(stages) + 1))
    for name, split in splits.items():
        print(f"| {name} | " + " | ".join(f"{split[s] * 1000:.1f}" for s in (*stages, "total")) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
