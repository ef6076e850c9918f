"""The pipeline: file -> Document -> annotations -> criterion results -> GradeResult."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from . import __version__
from .annotate import AnnotatedDocument, annotate
from .criteria import REGISTRY
from .document import Document
from .nlp import Vocabularies
from .profile import stage
from .readers import read_document
from .results import GradeResult, Opening
from .rubric import Rubric, load_rubric

OPENING_PARAGRAPHS = 3


_COMPILED: dict[tuple[str, str], Vocabularies] = {}
# What each reader imports on first use (pypdf also imports its filters lazily).
_READER_MODULES = {
    "pdf": ("grader.readers.pdf", "pypdf", "pypdf.filters"),
    "docx": ("grader.readers.docx",),
    "text": ("grader.readers.text",),
}


def _vocabularies(rubric: Rubric) -> Vocabularies:
    """Compile a rubric's vocabularies once per process."""
    key = (rubric.path, rubric.digest)
    if key not in _COMPILED:
        _COMPILED[key] = Vocabularies(rubric.vocabularies())
    return _COMPILED[key]


def _opening(ann: AnnotatedDocument, highlights: dict[str, None]) -> tuple[Opening, ...]:
    """The opening paragraphs, each with the quoted sentences it contains (in the order the checks quoted
    them: ``highlights`` is an ordered set, so the output is the same in every process)."""
    out = []
    for block in ann.document.blocks:
        if block.is_body and block.paragraph <= OPENING_PARAGRAPHS:
            marks = tuple(h for h in highlights if h and h in block.text)
            if out and out[-1].paragraph == block.paragraph:
                prev = out[-1]
                out[-1] = Opening(prev.paragraph, prev.page, f"{prev.text}\n{block.text}", prev.highlights + marks)
            else:
                out.append(Opening(block.paragraph, block.page, block.text, marks))
    return tuple(out)


def grade_document(document: Document, rubric: Rubric | None = None) -> GradeResult:
    """Grade an already-parsed document against a rubric (the default one if None)."""
    rubric = rubric or load_rubric()
    with stage("start-up"):
        vocabularies = _vocabularies(rubric)
    with stage("analysis"):
        ann = annotate(document, vocabularies)
    with stage("checks"):
        results = tuple(REGISTRY[c.id].check(ann, c) for c in rubric.criteria)
        opening = _opening(ann, dict.fromkeys(e.text for r in results for e in r.evidence if e.paragraph))
    total = sum(c.weight for c in rubric.criteria)
    earned = sum(r.weight for r in results if r.passed)
    score = round(100.0 * earned / total, 1) if total else 0.0
    passed = all(r.passed for r in results if r.severity == "error") and score >= rubric.pass_score - 1e-9
    return GradeResult(
        file=document.source,
        rubric=rubric.name,
        rubric_title=rubric.title,
        score=score,
        passed=passed,
        pages=document.page_count,
        page_count_method=document.page_count_method,
        criteria=results,
        word_count=document.word_count,
        figure_count=document.figure_count,
        table_count=document.table_count,
        format=document.format,
        notes=document.notes,
        opening=opening,
        version=__version__,
    )


def warm_up(path: str | os.PathLike[str], rubric: Rubric) -> None:
    """Do the once-a-process work grading ``path`` needs: import its reader, build spaCy's pipeline and
    the rubric's matchers. ``grader check --profile`` calls it so the stages time the file alone."""
    from .errors import GraderError
    from .readers import sniff

    p = Path(path)
    try:
        with p.open("rb") as fh:
            kind = sniff(p, fh.read(65536))
    except (OSError, GraderError):
        return  # reading it fails at once; nothing to warm up
    import_readers([kind])
    _vocabularies(rubric)


def import_readers(kinds: Iterable[str]) -> None:
    """Import what reading each kind of file ("pdf", "docx", "text") needs: the readers load their
    libraries (pypdf and what it imports: about 60 ms) on the first file."""
    import importlib

    for kind in kinds:
        for module in _READER_MODULES.get(kind, ()):
            importlib.import_module(module)


def grade(path: str | os.PathLike[str], rubric: Rubric | str | None = None, renderer: str | None = None) -> GradeResult:
    """Grade a file: ``grade("draft.pdf")`` or ``grade("draft.docx", "my-rubric.toml")``.

    ``renderer`` is how a DOCX's pages are counted: ``"auto"`` (LibreOffice when installed, else the
    estimate), ``"libreoffice"`` or ``"none"``; None reads ``$GRADER_RENDERER``, default ``"auto"``.
    """
    rub = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    return grade_document(read(path, rub, renderer), rub)


def read(path: str | os.PathLike[str], rubric: Rubric, renderer: str | None = None) -> Document:
    """Parse ``path`` for grading against ``rubric``: a huge file is read as a prefix several times the
    rubric's page limit, enough to judge it without paying for all of it."""
    page_limit = next((c.settings.get("max_pages") for c in rubric.criteria if c.id == "page-limit"), 3)
    with stage("read"):
        return read_document(path, max_pages=max(20, 5 * int(page_limit)), renderer=renderer)
