"""Format-neutral clean-up every reader shares: cover block, headings, paragraph numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..document import Block, Kind

_COVER = re.compile(
    r"(?i)^\s*(?:candidate|prepared (?:by|for)|author|name|submitted(?: by| to| on)?|date|email|e-mail|role|"
    r"position|applicant|interview(?:ee)?|to|from|version|draft|confidential)\b\s*[:\-–]?"
    r"|take[- ]home|case[- ]study|\b(?:19|20)\d\d\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"
    r"|^\S+@\S+\.\w+$"
)
_HEADING_WORDS = re.compile(
    r"(?i)^(?:\d+(?:\.\d+)*\.?\s+|[ivx]+\.\s+|[A-Z]\.\s+)?(?:executive summary|summary|tl;?dr|recommendations?|"
    r"introduction|background|context|problem(?: statement)?|approach|method(?:ology)?|analysis|data|results|"
    r"findings|impact|(?:key )?risks?(?: (?:and|&) mitigations?)?|mitigations?|next steps|conclusions?|"
    r"appendix(?: [a-z0-9]+)?|references|model(?:ling|ing)?|assumptions|business case|rollout(?: plan)?)\s*:?$"
)
_SENTENCE_END = re.compile(r"[.!?…:;]['\")\]]?$")
# Lone UTF-16 surrogates: a PDF's ToUnicode map can name one, and no str holding one can be encoded
# (spaCy, the reports and the terminal all fail on it).
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class RawBlock:
    """What a reader emits before the shared clean-up."""

    kind: Kind
    text: str
    page: int = 1
    level: int = 0
    table: int = -1
    row: int = -1
    col: int = -1


def clean_text(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\u200b", "").replace("\ufeff", "")
    text = _SURROGATE.sub("\ufffd", text)
    return re.sub(r"\s+", " ", text).strip()


def _name_like(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 5 and ":" not in text and all(w[:1].isupper() or not w[:1].isalpha() for w in words)


def _looks_like_cover(text: str) -> bool:
    words = text.split()
    if len(words) > 14 or _SENTENCE_END.search(text) and not _COVER.search(text):
        return False
    if ":" in text and not _COVER.match(text):
        return False  # "Recommendation: launch X" is content, "Candidate: Jane" is cover
    return bool(_COVER.search(text)) or _name_like(text)


def finalize(raw: list[RawBlock]) -> tuple[Block, ...]:
    """Drop empties, find the title and cover block, promote bare headings, number paragraphs."""
    blocks = [replace(b, text=clean_text(b.text)) for b in raw]
    blocks = [b for b in blocks if b.text]
    # Bare headings ("Executive summary" typed as a plain line).
    for i, b in enumerate(blocks):
        if b.kind is Kind.PARAGRAPH and _HEADING_WORDS.match(b.text):
            blocks[i] = replace(b, kind=Kind.HEADING, level=b.level or 2)
    # Title and cover: the short lines before the first real paragraph.
    seen_title = any(b.kind is Kind.TITLE for b in blocks[:3])
    for i, b in enumerate(blocks):
        if b.kind in (Kind.TITLE, Kind.COVER):
            continue
        if b.kind is Kind.HEADING:
            if not seen_title and i == 0 and b.level <= 1 and not _HEADING_WORDS.match(b.text):
                blocks[i] = replace(b, kind=Kind.TITLE)
                seen_title = True
            continue
        if b.kind is not Kind.PARAGRAPH or not _looks_like_cover(b.text):
            break
        if not seen_title and i == 0 and not _COVER.search(b.text):
            blocks[i] = replace(b, kind=Kind.TITLE)
            seen_title = True
        else:
            blocks[i] = replace(b, kind=Kind.COVER)
    # Paragraph numbers: a run of list items counts as one paragraph.
    out: list[Block] = []
    number = 0
    previous: Kind | None = None
    for r in blocks:
        para = 0
        if r.kind is Kind.PARAGRAPH or (r.kind is Kind.LIST_ITEM and previous is not Kind.LIST_ITEM):
            number += 1
            para = number
        elif r.kind is Kind.LIST_ITEM:
            para = number
        out.append(Block(r.kind, r.text, r.page, para, r.level, r.table, r.row, r.col))
        previous = r.kind
    return tuple(out)
