"""Draft history: how a file's score and verdicts changed since its previous draft was graded.

The output folder keeps ``history.json``: for each file (by absolute path), its last few distinct
drafts (by content hash) as graded. A re-run of an unchanged draft keeps showing the change from
the draft before it; grading the same draft under another rubric replaces its entry.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .paths import write_atomic
from .report.html import status_word
from .results import GradeResult

HISTORY_FILE = "history.json"
HISTORY_SCHEMA = 1
KEEP = 10  # drafts kept per file
SYMBOL = {"pass": "✓", "fail": "✗", "warn": "!"}


@dataclass(frozen=True)
class Draft:
    sha256: str
    graded_at: str
    score: float
    passed: bool
    criteria: Mapping[str, str]  # criterion id -> "pass", "fail" or "warn"
    titles: Mapping[str, str]


@dataclass(frozen=True)
class CriterionChange:
    id: str
    title: str
    before: str  # "pass", "fail", "warn" or "" (not graded then)
    after: str

    def text(self) -> str:
        return f"{self.id} {SYMBOL.get(self.before, '–')} → {SYMBOL.get(self.after, '–')}"


@dataclass(frozen=True)
class Change:
    """The current draft against the previous one at the same path."""

    before: float
    after: float
    since: str  # when the previous draft was graded
    criteria: tuple[CriterionChange, ...]

    @property
    def delta(self) -> float:
        return round(self.after - self.before, 1)

    @property
    def direction(self) -> str:
        return "up" if self.delta > 0 else "down" if self.delta < 0 else "same"

    def score_text(self) -> str:
        return f"score {self.before:g} → {self.after:g} ({self.delta:+g})"

    def summary(self) -> str:
        """One line: ``score 55 → 80 (+25); euro-impact ✗ → ✓``."""
        return "; ".join([self.score_text(), *(c.text() for c in self.criteria)])


def draft_of(result: GradeResult, sha256: str, graded_at: str) -> Draft:
    return Draft(sha256=sha256, graded_at=graded_at, score=result.score, passed=result.passed,
                 criteria={c.id: status_word(c) for c in result.criteria},
                 titles={c.id: c.title for c in result.criteria})


def compare(previous: Draft, current: Draft) -> Change:
    changed = []
    for cid, after in current.criteria.items():
        before = previous.criteria.get(cid, "")
        if before != after:
            changed.append(CriterionChange(cid, current.titles.get(cid, cid), before, after))
    return Change(previous.score, current.score, previous.graded_at, tuple(changed))


def _draft(data: Any) -> Draft | None:
    try:
        draft = Draft(sha256=str(data["sha256"]), graded_at=str(data["graded_at"]), score=float(data["score"]),
                      passed=bool(data["passed"]), criteria=dict(data["criteria"]), titles=dict(data.get("titles", {})))
    except (KeyError, TypeError, ValueError):
        return None
    return draft


class History:
    """The drafts graded so far, per absolute path."""

    def __init__(self, path: Path, files: dict[str, list[Draft]] | None = None) -> None:
        self.path = path
        self.files = files or {}

    @classmethod
    def load(cls, out_dir: str | os.PathLike[str]) -> History:
        """The history kept in ``out_dir``; a missing or damaged file starts a new one."""
        path = Path(out_dir) / HISTORY_FILE
        files: dict[str, list[Draft]] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            for key, drafts in data["files"].items():
                kept = [d for d in map(_draft, drafts) if d is not None]
                if kept:
                    files[str(key)] = kept
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            files = {}
        return cls(path, files)

    @staticmethod
    def key(path: str) -> str:
        return os.path.abspath(path)

    def previous(self, path: str, sha256: str) -> Draft | None:
        """The draft a draft with this content is compared with: the last one at ``path`` with other content.

        A batch worker gets it with its file, so that it can show the change in the report it writes;
        ``record`` compares with the same draft, so both see the same change.
        """
        return next((d for d in reversed(self.files.get(self.key(path), ())) if d.sha256 != sha256), None)

    def record(self, path: str, draft: Draft) -> Change | None:
        """Add the draft just graded; return its change since the previous distinct draft, if any."""
        previous = self.previous(path, draft.sha256)
        drafts = self.files.setdefault(self.key(path), [])
        if drafts and drafts[-1].sha256 == draft.sha256:
            drafts[-1] = draft  # the same draft graded again (perhaps under another rubric)
        else:
            drafts.append(draft)
            del drafts[:-KEEP]
        return compare(previous, draft) if previous else None

    def save(self) -> None:
        body = {"schema": HISTORY_SCHEMA,
                "files": {k: [asdict(d) for d in v] for k, v in sorted(self.files.items())}}
        write_atomic(self.path, json.dumps(body, ensure_ascii=False, indent=1, default=dict))
