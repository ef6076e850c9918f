"""What the page estimate needs to know about a Word document's formatting, resolved the way Word does.

Paragraph and run properties are merged in Word's order: document defaults, the table style (in
a table), the paragraph style and its ``basedOn`` chain, list numbering (indents), the character
style, then direct formatting. Theme fonts (``minorHAnsi``…) resolve through the theme part.
Page geometry comes from every section's ``sectPr``, in body order.

A styles part routinely defines 150-300 styles (most of them table styles) of which a document
uses a handful, so a style is read only when something asks for it (``StyleIndex``); the theme
and the numbering definitions are read on first use too. None of the readers here can raise on
any parsed tree (attributes are strings, malformed numbers read as absent), so reading late gives
exactly what reading everything up front did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
MAX_CHAIN = 20


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


PPR, RPR, SECTPR = q("pPr"), q("rPr"), q("sectPr")
_OFF = ("0", "false", "off", "none")
# Qualified names, built once: these readers run for every paragraph and run of the body.
(VAL, STYLE, STYLE_ID, TYPE, DEFAULT, BASED_ON, TBL_PR, P_STYLE, R_STYLE, SPACING, IND, PBDR, NUM_PR,
 NUM_ID, ILVL, SZ, RFONTS, ASCII, ASCII_THEME, HANSI, LINE, LINE_RULE, FIRST_LINE, HANGING, SPACE, CELL_MAR,
 W_ATTR, DOC_DEFAULTS) = (q(x) for x in (
    "val", "style", "styleId", "type", "default", "basedOn", "tblPr", "pStyle", "rStyle", "spacing", "ind",
    "pBdr", "numPr", "numId", "ilvl", "sz", "rFonts", "ascii", "asciiTheme", "hAnsi", "line", "lineRule",
    "firstLine", "hanging", "space", "tblCellMar", "w", "docDefaults"))
_BEFORE_AFTER = tuple((key, q(key), q(f"{key}Autospacing")) for key in ("before", "after"))
_INDENTS = (("left", (q("left"), q("start"))), ("right", (q("right"), q("end"))))
_PPR_FLAGS = tuple((key, q(tag)) for key, tag in (
    ("keep_next", "keepNext"), ("keep_lines", "keepLines"), ("widow", "widowControl"),
    ("contextual", "contextualSpacing"), ("break_before", "pageBreakBefore")))
_BORDERS = (("top", q("top")), ("bottom", q("bottom")))
_RPR_FLAGS = (("bold", q("b")), ("caps", q("caps")), ("vanish", q("vanish")))
_MARGINS = (("left", (q("left"), q("start"))), ("right", (q("right"), q("end"))), ("top", (q("top"),)),
            ("bottom", (q("bottom"),)))


def first_children(el) -> dict:
    """Each child tag's first child element, as ``el.find(tag)`` returns it, from one pass over the children
    (a property element has a few children but is asked about a dozen tags)."""
    first: dict = {}
    for child in el:
        tag = child.tag
        if tag not in first:
            first[tag] = child
    return first


MAX_POINTS = 10_000.0  # Word allows pages of 1,584 pt and fonts of 1,638 pt; beyond this a value is malformed


def points(value: str, scale: float = 20.0, limit: float = MAX_POINTS) -> float | None:
    """A number in points (``value`` in units of 1/``scale`` pt), or None when it is not a finite number
    within ±``limit``: "1e400" or "nan" would make the page estimate run forever."""
    try:
        x = float(value) / scale
    except ValueError:
        return None
    return x if -limit <= x <= limit else None  # also False for nan


def _num(el, attr: str, scale: float = 20.0, limit: float = MAX_POINTS) -> float | None:
    """A numeric attribute (qualified name; twips by default) in points, or None when absent or malformed."""
    if el is None:
        return None
    v = el.get(attr)
    if v is None:
        return None
    return points(v, scale, limit)


def _flag(el) -> bool | None:
    if el is None:
        return None
    return (el.get(VAL) or "true").lower() not in _OFF


def _flag_attr(el, attr: str) -> bool:
    v = el.get(attr)
    return v is not None and v.lower() not in _OFF


def ppr_props(ppr) -> dict:
    """The page-relevant paragraph properties present on a ``w:pPr`` (absent ones are left out)."""
    out: dict = {}
    if ppr is None:
        return out
    kids = first_children(ppr)
    sp = kids.get(SPACING)
    if sp is not None:
        for key, attr, auto in _BEFORE_AFTER:
            v = _num(sp, attr)
            if v is not None:
                out[key] = max(v, 0.0)
            if _flag_attr(sp, auto):
                out[key] = 14.0
        line = _num(sp, LINE, 1.0, MAX_POINTS * 20)  # 240ths of a line, or twips: converted below
        if line is not None:
            rule = sp.get(LINE_RULE) or "auto"
            out["rule"] = rule if rule in ("exact", "atLeast") else "auto"
            out["line"] = line / 240.0 if out["rule"] == "auto" else abs(line) / 20.0
    ind = kids.get(IND)
    if ind is not None:
        for key, names in _INDENTS:
            for name in names:
                v = _num(ind, name)
                if v is not None:
                    out[key] = v
                    break
        first, hanging = _num(ind, FIRST_LINE), _num(ind, HANGING)
        if hanging is not None:
            out["first"] = -hanging
        elif first is not None:
            out["first"] = first
    for key, tag in _PPR_FLAGS:
        v = _flag(kids.get(tag))
        if v is not None:
            out[key] = v
    borders = kids.get(PBDR)
    if borders is not None:  # a rule above or below takes its distance from the text plus its width
        for key, tag in _BORDERS:
            b = borders.find(tag)
            if b is not None and (b.get(VAL) or "none") not in ("none", "nil"):
                out[f"border_{key}"] = (_num(b, SPACE, 1.0) or 0.0) + (_num(b, SZ, 8.0) or 0.0)
    num = kids.get(NUM_PR)
    if num is not None:
        nid, lvl = num.find(NUM_ID), num.find(ILVL)
        if nid is not None and nid.get(VAL):
            out["num_id"] = nid.get(VAL)
        if lvl is not None and lvl.get(VAL):
            out["ilvl"] = lvl.get(VAL)
    return out


def rpr_props(rpr) -> dict:
    """The width- and height-relevant run properties present on a ``w:rPr``."""
    out: dict = {}
    if rpr is None:
        return out
    kids = first_children(rpr)
    sz = _num(kids.get(SZ), VAL, 2.0)
    if sz is not None and sz > 0:
        out["size"] = sz
    fonts = kids.get(RFONTS)
    if fonts is not None:
        if fonts.get(ASCII):
            out["font"] = fonts.get(ASCII).strip().lower()
        elif fonts.get(ASCII_THEME):
            out["font"] = "theme:" + ("major" if "major" in fonts.get(ASCII_THEME) else "minor")
        elif fonts.get(HANSI):
            out["font"] = fonts.get(HANSI).strip().lower()
    for key, tag in _RPR_FLAGS:
        v = _flag(kids.get(tag))
        if v is not None:
            out[key] = v
    spacing = _num(kids.get(SPACING), VAL)
    if spacing is not None:
        out["spacing"] = spacing
    return out


def cell_margins(tblpr) -> dict:
    out: dict = {}
    mar = tblpr.find(CELL_MAR) if tblpr is not None else None
    if mar is None:
        return out
    kids = first_children(mar)
    for key, names in _MARGINS:
        for name in names:
            v = _num(kids.get(name), W_ATTR)
            if v is not None:
                out[key] = v
                break
    return out


@dataclass
class Section:
    width: float = 612.0
    height: float = 792.0
    left: float = 72.0
    right: float = 72.0
    top: float = 72.0
    bottom: float = 72.0
    columns: int = 1
    column_gap: float = 36.0
    start: str = "nextPage"  # how this section begins: nextPage, continuous, evenPage, oddPage

    @property
    def usable_width(self) -> float:
        full = max(self.width - self.left - self.right, 72.0)
        return max((full - self.column_gap * (self.columns - 1)) / self.columns, 36.0)

    @property
    def usable_height(self) -> float:
        return max(self.height - self.top - self.bottom, 72.0)


def section_break(p):
    """The ``w:sectPr`` a paragraph's properties end a section with, or None: ``p.find("w:pPr/w:sectPr")``
    without the path parser, which costs more than the search on every paragraph."""
    for ppr in p.iterchildren(PPR):
        for sect in ppr.iterchildren(SECTPR):
            return sect
    return None


def read_section(sect) -> Section:
    s = Section()
    if sect is None:
        return s
    size = sect.find(q("pgSz"))
    s.width = _num(size, W_ATTR) or s.width
    s.height = _num(size, q("h")) or s.height
    mar = sect.find(q("pgMar"))
    for key in ("left", "right"):
        v = _num(mar, q(key))
        if v is not None:
            setattr(s, key, max(v, 0.0))
    for key in ("top", "bottom"):
        v = _num(mar, q(key))
        if v is not None:
            setattr(s, key, abs(v))
    cols = sect.find(q("cols"))
    if cols is not None and (cols.get(q("num")) or "").isdigit():
        s.columns = min(max(int(cols.get(q("num"))), 1), 12)
        s.column_gap = _num(cols, SPACE) or s.column_gap
    kind = sect.find(TYPE)
    if kind is not None and kind.get(VAL):
        s.start = kind.get(VAL)
    return s


class StyleIndex:
    """The styles part, indexed by style id in one pass; a style's properties are read when first asked for.

    ``index[sid]`` is ``(type, basedOn, ppr props, rpr props, table cell margins)`` of the last style
    with that id among the part's top-level styles (a later duplicate wins, as it always has here);
    ``name(sid)`` is its display name, looked up among styles at any depth, as the body reader always has.
    """

    def __init__(self, root) -> None:
        self._top: dict = {}
        self._any: dict = {}
        self._read: dict = {}
        self.default_para = ""
        self.doc_defaults = None  # the w:docDefaults element, if any
        self._load: Callable[[str], object] | None = None  # a style's whole element, for an index from a scan
        if root is None:
            return
        self.doc_defaults = root.find(DOC_DEFAULTS)
        children = 0
        for st in root.iterchildren(STYLE):
            children += 1
            sid = st.get(STYLE_ID)
            if not sid:
                continue
            self._top[sid] = st
            if st.get(DEFAULT) in ("1", "true", "on") and (st.get(TYPE) or "paragraph") == "paragraph":
                self.default_para = sid
        if sum(1 for _ in root.iter(STYLE)) == children:
            self._any = self._top  # the usual case: every style is a top-level one
            return
        for st in root.iter(STYLE):  # styles nested in other elements (or the root itself) have names too
            sid = st.get(STYLE_ID)
            if sid:
                self._any[sid] = st

    def __contains__(self, sid) -> bool:
        return sid in self._top

    @classmethod
    def scanned(cls, styles: list, doc_defaults, load: Callable[[object], object]) -> StyleIndex:
        """An index over the top-level styles a scan found (``docx_stylescan``): ``styles`` holds each one's
        start tag as an element (its attributes only) and where it lies; ``load(where)`` parses the whole
        style when it is first read. A scan is only made of parts whose every style is a top-level one."""
        index = cls(None)
        index.doc_defaults = doc_defaults
        spans: dict = {}
        for st, where in styles:
            sid = st.get(STYLE_ID)
            if not sid:
                continue
            index._top[sid] = st
            spans[sid] = where
            if st.get(DEFAULT) in ("1", "true", "on") and (st.get(TYPE) or "paragraph") == "paragraph":
                index.default_para = sid
        index._any = index._top
        loaded: dict = {}

        def whole(sid: str):
            st = loaded.get(sid)
            if st is None:
                st = load(spans[sid])
                if st is None:  # a damaged style reads as its start tag alone: no properties, no name
                    st = index._top[sid]
                loaded[sid] = st
            return st

        index._load = whole
        return index

    def _element(self, sid: str):
        return self._load(sid) if self._load is not None else self._top[sid]

    def __getitem__(self, sid: str) -> tuple:
        entry = self._read.get(sid)
        if entry is None:
            st = self._element(sid)
            kids = first_children(st)
            based = kids.get(BASED_ON)
            entry = (st.get(TYPE) or "paragraph", based.get(VAL) if based is not None else None,
                     ppr_props(kids.get(PPR)), rpr_props(kids.get(RPR)), cell_margins(kids.get(TBL_PR)))
            self._read[sid] = entry
        return entry

    def name(self, sid: str) -> str:
        """The style's name (``heading 1`` for ``Heading1``), or the id itself when it has none."""
        st = self._any.get(sid)
        if st is None:
            return sid
        if self._load is not None:
            st = self._load(sid)
        name = st.find(q("name"))
        return (name.get(VAL) if name is not None else sid) or sid


def _none() -> None:
    return None


@dataclass
class Settings:
    """Everything about the document's formatting the estimate reads: sections up front, the rest on demand."""

    sections: list[Section] = field(default_factory=lambda: [Section()])
    styles: StyleIndex = field(default_factory=lambda: StyleIndex(None))
    default_para: str = ""
    defaults_ppr: dict = field(default_factory=dict)
    defaults_rpr: dict = field(default_factory=dict)
    theme_part: Callable[[], object] = _none  # the theme part's root element (or None), parsed on first call
    numbering_part: Callable[[], object] = _none
    _resolved: dict = field(default_factory=dict)
    _theme: dict | None = None
    _numbering: dict | None = None

    @property
    def section(self) -> Section:
        return self.sections[-1]

    @property
    def theme(self) -> dict:
        """The theme's minor (body) and major (heading) Latin fonts."""
        if self._theme is None:
            self._theme = _theme_fonts(self.theme_part())
        return self._theme

    @property
    def numbering(self) -> dict:
        """(numId, ilvl) -> the indents of that list level."""
        if self._numbering is None:
            self._numbering = _numbering_levels(self.numbering_part())
        return self._numbering

    def _chain(self, sid: str | None) -> list:
        chain = []
        seen = set()
        while sid and sid in self.styles and sid not in seen and len(chain) < MAX_CHAIN:
            seen.add(sid)
            entry = self.styles[sid]
            chain.append(entry)
            sid = entry[1]
        return chain

    def style_props(self, sid: str, kind: int) -> dict:
        """A style's properties with its ``basedOn`` chain merged in (kind 2 = pPr, 3 = rPr)."""
        key = (sid, kind)
        if key in self._resolved:
            return self._resolved[key]
        merged: dict = {}
        for entry in reversed(self._chain(sid)):
            merged.update(entry[kind])
        self._resolved[key] = merged
        return merged

    def table_props(self, sid: str) -> tuple[dict, dict, dict]:
        """A table style's paragraph and run properties, and its cell margins (left, right, top, bottom)."""
        ppr, rpr, mar = {}, {}, {}
        for entry in reversed(self._chain(sid)):
            ppr.update(entry[2])
            rpr.update(entry[3])
            mar.update(entry[4])
        return ppr, rpr, mar

    def font(self, name: str) -> str:
        if name.startswith("theme:"):
            return self.theme.get(name[6:], "calibri")
        return name


def _theme_fonts(theme_root) -> dict:
    theme = {"minor": "calibri", "major": "calibri"}
    if theme_root is not None:
        for key in ("minor", "major"):
            latin = theme_root.find(f".//{{{A}}}{key}Font/{{{A}}}latin")
            if latin is not None and latin.get("typeface"):
                theme[key] = latin.get("typeface").strip().lower()
    return theme


def _numbering_levels(numbering_root) -> dict:
    out: dict = {}
    if numbering_root is None:
        return out
    abstract = {}
    for an in numbering_root.iterchildren(q("abstractNum")):
        levels = {}
        for lvl in an.iterchildren(q("lvl")):
            levels[lvl.get(ILVL) or "0"] = ppr_props(lvl.find(PPR))
        abstract[an.get(q("abstractNumId"))] = levels
    for num in numbering_root.iterchildren(q("num")):
        ref = num.find(q("abstractNumId"))
        levels = abstract.get(ref.get(VAL) if ref is not None else None, {})
        for ilvl, props in levels.items():
            out[(num.get(NUM_ID), ilvl)] = {k: v for k, v in props.items() if k in ("left", "first", "right")}
    return out


def read_settings(body, styles: StyleIndex | None, theme_part: Callable[[], object] = _none,
                  numbering_part: Callable[[], object] = _none) -> Settings:
    """The document's sections (read now: a malformed column count must fail the read, as it always has),
    its document defaults, and its styles, theme and numbering to be read on demand. ``styles`` is the
    index over the styles part (None when there is none); the parts are called for their root element
    when first needed."""
    s = Settings(theme_part=theme_part, numbering_part=numbering_part)
    if body is not None:
        sects = [section_break(p) for p in body.iterchildren(q("p"))]
        sections = [read_section(x) for x in sects if x is not None]
        sections.append(read_section(body.find(SECTPR)))
        s.sections = sections
    if styles is not None:
        defaults = styles.doc_defaults
        if defaults is not None:
            s.defaults_rpr = rpr_props(defaults.find(f"{q('rPrDefault')}/{RPR}"))
            s.defaults_ppr = ppr_props(defaults.find(f"{q('pPrDefault')}/{PPR}"))
        s.styles = styles
        s.default_para = styles.default_para
    return s
