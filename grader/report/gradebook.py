"""The gradebook of a batch: ``results.csv`` and ``results.json``, one row for every input file."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..paths import write_atomic
from .html import status_word

if TYPE_CHECKING:  # pragma: no cover
    from ..batch import BatchResult, BatchRow

JSON_NAME = "results.json"
CSV_NAME = "results.csv"
GRADEBOOK_SCHEMA = 1
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading =, +, - or @ would make Excel run it as a formula."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def row_json(row: BatchRow) -> dict[str, Any]:
    r = row.result
    return {
        "file": row.path,
        "status": row.status,
        "score": r.score if r else None,
        "passed": r.passed if r else False,
        "pages": r.pages if r else None,
        "page_count_method": r.page_count_method if r else None,
        "criteria": [{"id": c.id, "title": c.title, "status": status_word(c), "message": c.message}
                     for c in r.criteria] if r else [],
        "change": row.change.summary() if row.change else None,
        "error": row.error or None,
        "report": row.report or None,
        "report_key": row.report_key or None,
        "sha256": row.sha256 or None,
        "cached": row.cached,
    }


def gradebook_json(batch: BatchResult, generated: str) -> str:
    rows = batch.rows
    body = {
        "schema": GRADEBOOK_SCHEMA,
        "generated": generated,
        "grader_version": batch.version,
        "rubric": {"name": batch.rubric.name, "title": batch.rubric.title, "digest": batch.rubric.digest},
        "interrupted": batch.interrupted,
        "summary": {
            "files": len(rows),
            "passed": sum(r.status == "pass" for r in rows),
            "failed": sum(r.status == "fail" for r in rows),
            "errors": sum(r.status == "error" for r in rows),
            "not_graded": sum(r.status == "not graded" for r in rows),
            "graded_now": batch.graded,
            "from_cache": batch.from_cache,
        },
        "run": {
            "jobs": batch.jobs,
            "seconds": round(batch.seconds, 3),
            "workers_started": batch.stats.workers_started,
            "read_ahead": batch.stats.read_ahead,
            "workers": [{"pid": pid, "files": batch.stats.files.get(pid, 0), "peak_rss_mb": round(kb / 1024, 1)}
                        for pid, kb in sorted(batch.stats.peak_rss_kb.items())],
        },
        "files": [row_json(r) for r in rows],
    }
    return json.dumps(body, ensure_ascii=False, indent=1)


def gradebook_csv(batch: BatchResult) -> str:
    ids = [c.id for c in batch.rubric.criteria]
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["file", "status", "score", "pages", *ids, "change", "error", "report", "sha256"])
    for row in batch.rows:
        r = row.result
        verdicts = {c.id: status_word(c) for c in r.criteria} if r else {}
        out.writerow([
            _cell(row.path), row.status, f"{r.score:g}" if r else "", r.pages if r else "",
            *(verdicts.get(i, "") for i in ids),
            row.change.summary() if row.change else "", _cell(row.error), row.report, row.sha256,
        ])
    return buf.getvalue()


def write_gradebook(batch: BatchResult, generated: str) -> tuple[Path, Path]:
    out = Path(batch.out_dir)
    csv_path, json_path = out / CSV_NAME, out / JSON_NAME
    write_atomic(csv_path, gradebook_csv(batch))
    write_atomic(json_path, gradebook_json(batch, generated))
    return csv_path, json_path


def previous_report_keys(out_dir: str | os.PathLike[str]) -> dict[str, str]:
    """Report file name -> the key of what it shows, from the last run's results.json (empty if none)."""
    try:
        data = json.loads((Path(out_dir) / JSON_NAME).read_text(encoding="utf-8"))
        return {f["report"]: f["report_key"] for f in data["files"]
                if isinstance(f.get("report"), str) and isinstance(f.get("report_key"), str)}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}
