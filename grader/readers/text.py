"""Plain-text and mini-markdown drafts (.md, .txt): the same Document as PDF and DOCX.

Blocks are separated by blank lines; ``#`` is the title, ``##``/``###`` headings, ``-``/``*``/``1.``
list items, ``|`` table rows, fenced code, ``Figure N:``/``Table N:`` captions, ``![alt](x)``
figures and ``<!-- pagebreak -->`` page breaks.
"""

from __future__ import annotations

import re

from ..document import Document, Kind
from .structure import RawBlock, finalize

_LIST = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.*)$")
_CAPTION = re.compile(r"^(?:figure|fig\.|table|exhibit|chart)\s*\d+[.:]", re.I)
_FIGURE = re.compile(r"^!\[[^\]]*\]\([^)]*\)$")
_PAGEBREAK = re.compile(r"^<!--\s*page\s*break\s*-->$", re.I)
WORDS_PER_PAGE = 500


def parse_markdown(text: str, source: str = "<text>") -> Document:
    raw: list[RawBlock] = []
    page = 1
    figures = tables = 0
    table_index = -1
    row = -1
    para: list[str] = []
    in_code = False
    code: list[str] = []

    def flush() -> None:
        if para:
            raw.append(RawBlock(Kind.PARAGRAPH, " ".join(para), page))
            para.clear()

    for line in text.replace("\r\n", "\n").replace("\f", "\n<!-- pagebreak -->\n").split("\n"):
        stripped = line.strip()
        if in_code:
            if stripped.startswith("```"):
                raw.append(RawBlock(Kind.CODE, "\n".join(code), page))
                code.clear()
                in_code = False
            else:
                code.append(line)
            continue
        if stripped.startswith("```"):
            flush()
            in_code = True
            continue
        if not stripped:
            flush()
            row = -1
            continue
        if _PAGEBREAK.match(stripped):
            flush()
            page += 1
            continue
        if stripped.startswith("|"):
            flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                continue
            if row < 0:
                table_index += 1
                tables += 1
            row += 1
            for col, cell in enumerate(cells):
                raw.append(RawBlock(Kind.TABLE_CELL, cell, page, table=table_index, row=row, col=col))
            continue
        row = -1
        if stripped.startswith("#"):
            flush()
            level = len(stripped) - len(stripped.lstrip("#"))
            kind = Kind.TITLE if level == 1 else Kind.HEADING
            raw.append(RawBlock(kind, stripped.lstrip("#").strip(), page, level=level))
            continue
        m = _LIST.match(line)
        if m:
            flush()
            raw.append(RawBlock(Kind.LIST_ITEM, m.group(1), page))
            continue
        if _FIGURE.match(stripped):
            flush()
            figures += 1
            continue
        if _CAPTION.match(stripped) and not para:
            raw.append(RawBlock(Kind.CAPTION, stripped, page))
            continue
        para.append(stripped)
    flush()
    if in_code and code:
        raw.append(RawBlock(Kind.CODE, "\n".join(code), page))
    blocks = finalize(raw)
    words = sum(len(b.text.split()) for b in blocks)
    pages = max(page, -(-words // WORDS_PER_PAGE)) if words else page
    method = "markup"
    return Document(source=source, format="markdown", blocks=blocks, page_count=pages,
                    page_count_method=method, figure_count=figures, table_count=tables,
                    page_count_note="about 500 words a page")
