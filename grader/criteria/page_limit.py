"""Three pages or fewer.

Reviewers skim a take-home in a few minutes; a long document reads as a report, not a decision.
For a PDF the page count is exact. A DOCX's stored page count is routinely stale, so it is
estimated from the content (or rendered, when a renderer is available) and labelled as such.
"""

from __future__ import annotations

from ..annotate import AnnotatedDocument
from ..results import CriterionResult, Evidence
from ..rubric import CriterionConfig
from ._common import message, result

ID = "page-limit"
TITLE = "Three pages or fewer"
SETTINGS = {"max_pages": (int, 3)}
VOCAB: tuple[str, ...] = ()
MESSAGES = ("pass", "fail", "suggestion")
EXAMPLES = {"pass": ["a 2-page PDF"], "fail": ["a 5-page PDF"]}

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
    fields = dict(pages=d.page_count, approx=approx, limit=limit, how=how, over=d.page_count - limit)
    where = Evidence(f"{approx}{d.page_count} page(s), {how}", d.page_count, 0, f"page {d.page_count}")
    if d.page_count <= limit:
        return result(cfg, True, message(cfg, "pass", **fields), found=[where])
    return result(cfg, False, message(cfg, "fail", **fields), message(cfg, "suggestion", **fields), found=[where],
                  looked="the whole document")
