"""Re-render reports/ from sample_submissions/: `python scripts/refresh_reports.py`.

tests/test_samples.py fails when a report here is out of date (dates and versions aside).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.grading import grade  # noqa: E402
from grader.report.html import write_report  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402


def sample_files() -> list[Path]:
    folder = ROOT / "sample_submissions"
    return sorted(p for p in folder.iterdir() if p.suffix in (".pdf", ".docx"))


def main() -> int:
    # Golden reports hold the estimated DOCX page count, whether or not LibreOffice is installed here.
    os.environ["GRADER_RENDERER"] = "none"
    rubric = load_rubric()
    out = ROOT / "reports"
    for path in sample_files():
        result = grade(path.relative_to(ROOT), rubric)
        target = write_report(result, out)
        print(f"{'✓' if result.passed else '✗'} {path.name}: {result.score:g}/100 → {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
