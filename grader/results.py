"""Frozen result records: what a check found, and the grade of a whole document."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
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
        data = {"schema": SCHEMA_VERSION, **plain(self)}
        data.pop("opening")
        return data


_FIELDS = {cls: tuple(f.name for f in fields(cls)) for cls in (Evidence, CriterionResult, Opening, GradeResult)}
_SCALARS = frozenset({str, int, float, bool, type(None)})  # returned as they are, as asdict copies them


def plain(value: Any) -> Any:
    """``dataclasses.asdict`` for these records (tuples stay tuples), several times faster: a batch
    serialises every result for its cache and its reports."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    names = _FIELDS.get(kind)
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, tuple | list):
        return type(value)([plain(v) for v in value])
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    return value
