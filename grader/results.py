"""Frozen result records: what a check found, and the grade of a whole document."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Evidence:
    """A quoted sentence and where it is; ``paragraph`` 0 means not in a body paragraph."""

    text: str
    page: int
    paragraph: int
    where: str = ""
    highlight: str = ""  # the part of ``text`` that decided the verdict


@dataclass(frozen=True)
class CriterionResult:
    id: str
    title: str
    passed: bool
    message: str
    suggestion: str = ""
    weight: float = 0.0
    evidence: tuple[Evidence, ...] = ()
    looked: str = ""  # where the grader looked, for a fail with nothing to quote
    severity: str = "error"  # "error" counts against the pass; "warning" only informs


@dataclass(frozen=True)
class Opening:
    """A body paragraph shown in the report, with the sentences a check relied on."""

    paragraph: int
    page: int
    text: str
    highlights: tuple[str, ...] = ()


@dataclass(frozen=True)
class GradeResult:
    file: str
    rubric: str
    rubric_title: str
    score: float
    passed: bool
    pages: int
    page_count_method: str
    criteria: tuple[CriterionResult, ...]
    word_count: int = 0
    figure_count: int = 0
    table_count: int = 0
    format: str = ""
    notes: tuple[str, ...] = ()
    opening: tuple[Opening, ...] = field(default=(), repr=False)
    version: str = ""

    @property
    def failed(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if not c.passed and c.severity == "error")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data = {"schema": SCHEMA_VERSION, **data}
        data.pop("opening")
        return data
