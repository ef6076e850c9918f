"""Rewrite every expected HTML file: `python scripts/update_golden.py`.

That is reports/ (the bundled samples' reports, via scripts/refresh_reports.py) and tests/golden/html/
(report states built in code). Run it after an intended change to the report page, then review the diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "scripts")]

import refresh_reports  # noqa: E402
from golden import CASES, EXPECTED  # noqa: E402

from grader.paths import write_atomic  # noqa: E402
from grader.report.html import render_html  # noqa: E402


def main() -> int:
    for case in CASES:
        target = EXPECTED / f"{case.name}.html"
        write_atomic(target, render_html(case.result))
        print(f"{target.relative_to(ROOT)}")
    return refresh_reports.main()


if __name__ == "__main__":
    raise SystemExit(main())
