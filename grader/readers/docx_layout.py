"""Estimate a DOCX's page count from its content, since the stored count is routinely stale.

Page size and margins come from the section properties, font sizes and spacing from the styles
(following ``basedOn``), line wrapping from average character widths per font; tables, images at
their extents, and explicit page and section breaks are laid out in order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Average advance width of running English text, in ems, spaces included.
CHAR_WIDTH_EM = {
    "calibri": 0.44, "arial": 0.46, "helvetica": 0.46, "times new roman": 0.41, "times": 0.41,
    "georgia": 0.47, "cambria": 0.45, "verdana": 0.54, "tahoma": 0.48, "courier new": 0.60,
    "courier": 0.60, "garamond": 0.40, "aptos": 0.45, "liberation serif": 0.41, "liberation sans": 0.46,
    "dejavu sans": 0.51, "segoe ui": 0.46, "book antiqua": 0.44, "palatino linotype": 0.44,
}
LINE_HEIGHT = {"calibri": 1.22, "cambria": 1.17, "aptos": 1.22, "times new roman": 1.15, "arial": 1.15}
DEFAULT_FONT = "calibri"


@dataclass
class StyleMetrics:
    size: float = 11.0
    before: float = 0.0
    after: float = 8.0
    line: float = 1.08  # multiple of single spacing, or points when exact
    exact: bool = False
    font: str = DEFAULT_FONT
    indent: float = 0.0


@dataclass
class Settings:
    width: float = 612.0
    height: float = 792.0
    usable_width: float = 468.0
    usable_height: float = 648.0
    styles: dict = field(default_factory=dict)
    default: StyleMetrics = field(default_factory=StyleMetrics)


@dataclass
class LayoutItem:
    kind: str  # text, table, image, break
    text: str = ""
    style: str = ""
    block: int = -1
    rows: list = field(default_factory=list)
    height: float = 0.0
    page_break_before: bool = False


@dataclass
class Layout:
    pages: int
    block_pages: dict
    uncertainty: float


def _twips(el, attr: str, default: float) -> float:
    if el is None:
        return default
    v = el.get(q(attr))
    try:
        return float(v) / 20.0 if v is not None else default
    except ValueError:
        return default


def _apply(m: StyleMetrics, ppr, rpr) -> StyleMetrics:
    m = StyleMetrics(**m.__dict__)
    if rpr is not None:
        sz = rpr.find(q("sz"))
        if sz is not None and (sz.get(q("val")) or "").isdigit():
            m.size = int(sz.get(q("val"))) / 2.0
        fonts = rpr.find(q("rFonts"))
        if fonts is not None and fonts.get(q("ascii")):
            m.font = fonts.get(q("ascii")).lower()
    if ppr is not None:
        sp = ppr.find(q("spacing"))
        if sp is not None:
            m.before = _twips(sp, "before", m.before)
            m.after = _twips(sp, "after", m.after)
            line = sp.get(q("line"))
            if line is not None and line.lstrip("-").isdigit():
                rule = sp.get(q("lineRule")) or "auto"
                if rule == "auto":
                    m.line, m.exact = int(line) / 240.0, False
                else:
                    m.line, m.exact = int(line) / 20.0, True
        ind = ppr.find(q("ind"))
        if ind is not None:
            m.indent = _twips(ind, "left", _twips(ind, "start", m.indent))
    return m


def read_layout_settings(document, style_names: dict) -> Settings:
    s = Settings()
    try:
        body = document.element.body
        sect = body.find(q("sectPr")) if body is not None else None
    except (AttributeError, KeyError, ValueError):
        sect = None
    if sect is not None:
        size = sect.find(q("pgSz"))
        s.width = _twips(size, "w", s.width)
        s.height = _twips(size, "h", s.height)
        mar = sect.find(q("pgMar"))
        left, right = _twips(mar, "left", 72.0), _twips(mar, "right", 72.0)
        top, bottom = abs(_twips(mar, "top", 72.0)), abs(_twips(mar, "bottom", 72.0))
        s.usable_width = max(s.width - left - right, 72.0)
        s.usable_height = max(s.height - top - bottom, 72.0)
    try:
        root = document.styles.element
    except (AttributeError, KeyError, ValueError):
        return s
    base = StyleMetrics(size=10.0, after=0.0, line=1.0)
    defaults = root.find(q("docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{q('rPrDefault')}/{q('rPr')}")
        ppr = defaults.find(f"{q('pPrDefault')}/{q('pPr')}")
        base = _apply(base, ppr, rpr)
    raw = {}
    for st in root.iter(q("style")):
        if st.get(q("type")) not in (None, "paragraph"):
            continue
        sid = st.get(q("styleId"))
        based = st.find(q("basedOn"))
        raw[sid] = (based.get(q("val")) if based is not None else None, st.find(q("pPr")), st.find(q("rPr")))
        if st.get(q("default")) in ("1", "true"):
            raw[""] = raw[sid]

    def resolve(sid: str, depth: int = 0) -> StyleMetrics:
        if sid in s.styles:
            return s.styles[sid]
        if sid not in raw or depth > 20:
            return base
        parent, ppr, rpr = raw[sid]
        m = _apply(resolve(parent, depth + 1) if parent else base, ppr, rpr)
        s.styles[sid] = m
        return m

    for sid in list(raw):
        resolve(sid)
    s.default = s.styles.get("", base)
    return s


def _lines(text: str, width: float, m: StyleMetrics) -> int:
    em = CHAR_WIDTH_EM.get(m.font, 0.49) * m.size
    per_line = max(int((width - m.indent) / em), 10)
    lines, current = 1, 0
    for word in text.split():
        n = len(word)
        if current and current + 1 + n > per_line:
            lines += 1
            current = n
        else:
            current += n + (1 if current else 0)
        while current > per_line:
            lines += 1
            current -= per_line
    return lines


def _line_height(m: StyleMetrics) -> float:
    if m.exact:
        return m.line
    return m.size * LINE_HEIGHT.get(m.font, 1.17) * m.line


def estimate_pages(items: list[LayoutItem], s: Settings) -> Layout:
    page, y = 1, 0.0
    block_pages: dict[int, int] = {}
    normal = s.default

    def new_page() -> None:
        nonlocal page, y
        page += 1
        y = 0.0

    for it in items:
        if it.kind == "break" or it.page_break_before:
            if y > 0:
                new_page()
            if it.kind == "break":
                continue
        if it.kind == "text":
            m = s.styles.get(it.style, normal)
            lh = _line_height(m)
            n = _lines(it.text, s.usable_width, m)
            y += m.before if y > 0 else 0.0
            if it.block >= 0:
                block_pages.setdefault(it.block, page if y + lh <= s.usable_height else page + 1)
            for _ in range(n):
                if y + lh > s.usable_height:
                    new_page()
                y += lh
            y += m.after
        elif it.kind == "table":
            cols = max((len(r) for r in it.rows), default=1) or 1
            width = s.usable_width / cols - 10.0
            lh = _line_height(normal)
            for row in it.rows:
                height = max((_lines(c, width, normal) for c in row if c.strip()), default=1) * lh + 2.0 + normal.after
                if y + height > s.usable_height:
                    new_page()
                y += height
            y += normal.after
        elif it.kind == "image":
            if y + it.height > s.usable_height:
                new_page()
            y += min(it.height, s.usable_height)
    pages = page if y > 0 or page == 1 else page - 1
    pages = max(pages, 1)
    return Layout(pages=pages, block_pages=block_pages, uncertainty=0.15 * pages + 0.2)
