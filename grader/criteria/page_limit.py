"""Three pages or fewer.

Reviewers skim a take-home in a few minutes; a long document reads as a report, not a decision.
For a PDF the page count is exact. A DOCX's stored page count is routinely stale, so it is
rendered by LibreOffice when it is installed, and otherwise estimated from the content and labelled
as such; an estimate within ``borderline_pages`` of the limit says so, since only rendering settles it.
"""

from __future__ import annotations

from ..annotate import AnnotatedDocument
from ..results import CriterionResult, Evidence
from ..rubric import CriterionConfig
from ._common import message, result

ID = "page-limit"
TITLE = "Three pages or fewer"
SETTINGS = {"max_pages": (int, 3), "borderline_pages": (float, 0.5)}
VOCAB: tuple[str, ...] = ()
MESSAGES = ("pass", "fail", "suggestion", "borderline")
EXAMPLES = {"pass": ["a 2-page PDF", "a DOCX estimated at 2 pages"], "fail": ["a 5-page PDF"]}

_METHODS = {
    "pdf": "counted from the PDF",
    "estimated": "estimated from the content",
    "rendered": "counted from a rendered PDF",
    "markup": "estimated from length and page breaks",
}


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    d = doc.document
    limit = cfg.settings["max_pages"]
    how = _METHODS.get(d.page_count_method, d.page_count_method)
    if d.page_count_note:
        how = f"{how}; {d.page_count_note}"
    approx = "about " if d.page_count_method in ("estimated", "markup") else ""
    fields = dict(pages=d.page_count, approx=approx, limit=limit, how=how, over=d.page_count - limit,
                  margin=f"{cfg.settings['borderline_pages']:g}", extent=f"{d.page_extent:.1f}")
    where = Evidence(f"{approx}{d.page_count} page(s), {how}", d.page_count, 0, f"page {d.page_count}")
    verdict = "pass" if d.page_count <= limit else "fail"
    text = message(cfg, verdict, **fields)
    if _borderline(d, limit, cfg.settings["borderline_pages"]):
        text = f"{text} {message(cfg, 'borderline', **fields)}"
    if verdict == "pass":
        return result(cfg, True, text, found=[where])
    return result(cfg, False, text, message(cfg, "suggestion", **fields), found=[where], looked="the whole document")


def _borderline(d, limit: int, margin: float) -> bool:
    """An estimated count whose content ends within ``margin`` pages of the limit, on either side."""
    return d.page_count_method == "estimated" and d.page_extent > 0 and abs(d.page_extent - limit) < margin
