"""Chart restraint.

Eight or more charts with no narrative thread read as a report, not a decision. Figures are
counted from the images embedded in a PDF's pages or a DOCX's body (and ``![…]`` in Markdown).
"""

from __future__ import annotations

from ..annotate import AnnotatedDocument
from ..results import CriterionResult, Evidence
from ..rubric import CriterionConfig
from ._common import message, result

ID = "chart-restraint"
TITLE = "Fewer than eight charts"
SETTINGS = {"max_figures": (int, 7)}
VOCAB: tuple[str, ...] = ()
MESSAGES = ("pass", "fail", "suggestion")
EXAMPLES = {"pass": ["a draft with two charts"], "fail": ["a draft with nine charts"]}


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    count = doc.document.figure_count
    limit = cfg.settings["max_figures"]
    fields = dict(count=count, limit=limit)
    found = [Evidence(f"{count} figure(s) or image(s)", 1, 0, "whole document")]
    if count <= limit:
        return result(cfg, True, message(cfg, "pass", **fields), found=found)
    return result(cfg, False, message(cfg, "fail", **fields), message(cfg, "suggestion", **fields), found=found,
                  looked="every image in the document")
