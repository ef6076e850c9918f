"""DOCX body order with paragraphs and tables interleaved, styles, lists, text boxes.

The XML is walked directly (style names looked up by id, only for the styles paragraphs use)
because python-docx's object layer is slow on long files and skips text boxes and tracked
insertions. Headers and footers are not read: they are kept apart from the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..document import Kind
from .docx_layout import LayoutItem
from .docx_styles import NUM_PR, P_STYLE, PPR, RPR, VAL, StyleIndex, first_children, q, read_settings
from .structure import RawBlock

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
T, TAB, BR, CR, P, TBL, TR, TC, SDT, SDTCONTENT = (q(x) for x in ("t", "tab", "br", "cr", "p", "tbl", "tr", "tc", "sdt", "sdtContent"))
TXBX, DEL, MOVEFROM, INSTR = (q(x) for x in ("txbxContent", "del", "moveFrom", "instrText"))
DRAWING, PICT, LRPB, NOBREAK_HYPHEN, SOFT_HYPHEN = (q(x) for x in ("drawing", "pict", "lastRenderedPageBreak", "noBreakHyphen", "softHyphen"))
R, B, TYPE, OUTLINE = q("r"), q("b"), q("type"), q("outlineLvl")
CONTAINERS = (q("ins"), q("customXml"), q("smartTag"))  # body-level wrappers whose content is read
FALLBACK = f"{{{MC}}}Fallback"
CHOICE = f"{{{MC}}}Choice"
ALTERNATE = f"{{{MC}}}AlternateContent"
SKIPPED = (FALLBACK, DEL, MOVEFROM, INSTR)
PAGE_BREAK = "\x0c"
MAX_BLOCKS = 20_000
MAX_DEPTH = 12
_CODE_STYLE = re.compile(r"code|source|preformatted|macro|console|verbatim", re.I)
_HEADING_STYLE = re.compile(r"heading\s*(\d)")
_ENDS_CLAUSE = re.compile(r"[.!?;,]$")
_OFF = ("0", "false", "off")


@dataclass
class _Para:
    text: str
    boxes: list
    figures: int
    rendered_breaks: int


def _walk(el, out: list[str], boxes: list, state: list, depth: int = 0) -> None:
    """The text of ``el``'s content, in order, into ``out``; text boxes into ``boxes``; ``state`` counts
    [rendered page breaks, figures]."""
    for child in el:
        tag = child.tag
        if tag == T:
            out.append(child.text or "")
        elif tag == TAB:
            out.append(" ")
        elif tag == BR or tag == CR:
            out.append(PAGE_BREAK if child.get(TYPE) == "page" else " ")
        elif tag == NOBREAK_HYPHEN:
            out.append("-")
        elif tag == LRPB:
            state[0] += 1
        elif tag == TXBX:
            boxes.append(child)
        elif tag == DRAWING or tag == PICT:
            if not any(True for _ in child.iter(TXBX)):  # a text box is not a figure
                state[1] += 1
            _walk(child, out, boxes, state, depth + 1)
        elif tag == ALTERNATE:
            branch = _alternate(child)
            if branch is not None and depth < 40:
                _walk(branch, out, boxes, state, depth + 1)
        elif tag in SKIPPED or not isinstance(tag, str):
            continue
        elif depth < 40 and len(child):  # an element with no children holds no text
            _walk(child, out, boxes, state, depth + 1)


def _alternate(el):
    """The branch of an mc:AlternateContent to read: the first Choice that carries text, else the
    Fallback if it does (a text box whose modern form points into a separate beta-format part), else
    the first Choice (for its picture)."""
    choices = [c for c in el if c.tag == CHOICE]
    fallback = next((c for c in el if c.tag == FALLBACK), None)

    def has_text(branch) -> bool:
        return any(True for _ in branch.iter(T, TXBX))

    for branch in choices:
        if has_text(branch):
            return branch
    if fallback is not None and has_text(fallback):
        return fallback
    return choices[0] if choices else fallback


def _bold(p) -> bool:
    """Every run that shows text is bold: a paragraph set in bold reads as a heading."""
    runs = [r for r in p.iter(R) if "".join(t.text or "" for t in r.iter(T)).strip()]
    if not runs:
        return False
    for r in runs:
        rpr = r.find(RPR)
        b = rpr.find(B) if rpr is not None else None
        if b is None or b.get(VAL) in _OFF:
            return False
    return True


def _para(p) -> _Para:
    out: list[str] = []
    boxes: list = []
    state = [0, 0]
    _walk(p, out, boxes, state)
    return _Para("".join(out), boxes, state[1], state[0])


class BodyReader:
    """Walks the body into raw blocks, and into the layout items the page estimate measures."""

    def __init__(self, doc, max_pages: int | None) -> None:
        self.styles = doc.styles if doc.styles is not None else StyleIndex(None)
        self.settings = read_settings(doc.body, doc.styles, doc.theme, doc.numbering)
        self.raw: list[RawBlock] = []
        self.layout: list[LayoutItem] = []
        self.tables = 0
        self.figures = 0
        self.rendered_breaks = 0
        self.deep_tables = 0
        self.max_pages = max_pages

    def _kind(self, p, para: _Para) -> tuple[Kind, int]:
        ppr = p.find(PPR)
        kids = first_children(ppr) if ppr is not None else {}
        ps = kids.get(P_STYLE)
        sid = (ps.get(VAL) or "") if ps is not None else ""
        low = self.styles.name(sid).lower()
        if low == "title":
            return Kind.TITLE, 1
        if low == "subtitle":
            return Kind.COVER, 0
        m = _HEADING_STYLE.match(low)
        if m:
            return Kind.HEADING, int(m.group(1))
        ol = kids.get(OUTLINE)
        if ol is not None and (ol.get(VAL) or "9").isdigit() and int(ol.get(VAL)) < 9:
            return Kind.HEADING, int(ol.get(VAL)) + 1
        if "caption" in low:
            return Kind.CAPTION, 0
        if _CODE_STYLE.search(low):
            return Kind.CODE, 0
        if "list" in low or kids.get(NUM_PR) is not None:
            return Kind.LIST_ITEM, 0
        words = para.text.split()
        # Whether every run is bold is asked last: it is the costliest test, and the rarest to matter.
        if 0 < len(words) <= 10 and not _ENDS_CLAUSE.search(para.text.strip()) and _bold(p):
            return Kind.HEADING, 3
        return Kind.PARAGRAPH, 0

    def _emit(self, kind: Kind, text: str, level: int = 0, **cell) -> None:
        if len(self.raw) >= MAX_BLOCKS:
            return
        self.raw.append(RawBlock(kind, text, 1, level, **cell))

    def paragraph(self, p, in_cell: dict | None = None) -> None:
        para = _para(p)
        self.figures += para.figures
        self.rendered_breaks += para.rendered_breaks
        kind, level = self._kind(p, para) if in_cell is None else (Kind.TABLE_CELL, 0)
        pieces = para.text.split(PAGE_BREAK)
        blocks = []
        for piece in pieces:
            if in_cell is None and piece.strip() and len(self.raw) < MAX_BLOCKS:
                self._emit(kind, piece, level)
                blocks.append(len(self.raw) - 1)
            else:
                blocks.append(-1)
        if in_cell is None:
            self.layout.append(LayoutItem("para", p, blocks))
        for box in para.boxes:
            for bp in box.iter(P):
                bpara = _para(bp)
                if bpara.text.strip() and in_cell is None:
                    self._emit(Kind.PARAGRAPH, bpara.text)

    def cell_text(self, tc, depth: int) -> str:
        parts = []
        for child in tc:
            if child.tag == P:
                para = _para(child)
                parts.append(para.text.replace(PAGE_BREAK, " "))
                for box in para.boxes:  # text boxes anchored in the cell
                    parts.extend(_para(bp).text for bp in box.iter(P))
            elif child.tag == TBL and depth < MAX_DEPTH:
                for tr in child.findall(TR):  # not iter(): that revisits every deeper table at each level
                    for inner in tr.findall(TC):
                        parts.append(self.cell_text(inner, depth + 1))
            elif child.tag == TBL:
                # Nested past MAX_DEPTH: keep the words without recursing further (lxml's iter is a loop).
                self.deep_tables += 1
                parts.append(" ".join(t.text or "" for t in child.iter(T)))
        return " ".join(x for x in parts if x.strip())

    def table(self, tbl, depth: int = 0) -> None:
        index = self.tables
        self.tables += 1
        rows = []
        for r, tr in enumerate(tbl.findall(TR)):
            blocks = []
            for c, tc in enumerate(tr.findall(TC)):
                text = self.cell_text(tc, depth + 1)
                self.figures += sum(1 for img in tc.iter(DRAWING, PICT) if not any(True for _ in img.iter(TXBX)))
                if text.strip():
                    self._emit(Kind.TABLE_CELL, text, table=index, row=r, col=c)
                    blocks.append(len(self.raw) - 1)
            rows.append(blocks)
        self.layout.append(LayoutItem("table", tbl, rows))

    def body(self, container, depth: int = 0) -> None:
        for child in container:
            if len(self.raw) >= MAX_BLOCKS:
                return
            tag = child.tag
            if tag == P:
                self.paragraph(child)
            elif tag == TBL:
                self.table(child)
            elif tag == SDT and depth < MAX_DEPTH:
                content = child.find(SDTCONTENT)
                if content is not None:
                    self.body(content, depth + 1)
            elif tag in CONTAINERS and depth < MAX_DEPTH:
                self.body(child, depth + 1)
