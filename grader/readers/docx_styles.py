"""What the page estimate needs to know about a Word document's formatting, resolved the way Word does.

Paragraph and run properties are merged in Word's order: document defaults, the table style (in
a table), the paragraph style and its ``basedOn`` chain, list numbering (indents), the character
style, then direct formatting. Theme fonts (``minorHAnsi``…) resolve through the theme part.
Page geometry comes from every section's ``sectPr``, in body order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
MAX_CHAIN = 20


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


PPR, RPR, SECTPR = q("pPr"), q("rPr"), q("sectPr")
_OFF = ("0", "false", "off", "none")


def _num(el, attr: str, scale: float = 20.0) -> float | None:
    """A numeric attribute (twips by default) in points, or None when absent or malformed."""
    if el is None:
        return None
    v = el.get(q(attr))
    if v is None:
        return None
    try:
        return float(v) / scale
    except ValueError:
        return None


def _flag(el) -> bool | None:
    if el is None:
        return None
    return (el.get(q("val")) or "true").lower() not in _OFF


def ppr_props(ppr) -> dict:
    """The page-relevant paragraph properties present on a ``w:pPr`` (absent ones are left out)."""
    out: dict = {}
    if ppr is None:
        return out
    sp = ppr.find(q("spacing"))
    if sp is not None:
        for key in ("before", "after"):
            v = _num(sp, key)
            if v is not None:
                out[key] = max(v, 0.0)
            if _flag_attr(sp, f"{key}Autospacing"):
                out[key] = 14.0
        line = _num(sp, "line", 1.0)
        if line is not None:
            rule = sp.get(q("lineRule")) or "auto"
            out["rule"] = rule if rule in ("exact", "atLeast") else "auto"
            out["line"] = line / 240.0 if out["rule"] == "auto" else abs(line) / 20.0
    ind = ppr.find(q("ind"))
    if ind is not None:
        for key, names in (("left", ("left", "start")), ("right", ("right", "end"))):
            for name in names:
                v = _num(ind, name)
                if v is not None:
                    out[key] = v
                    break
        first, hanging = _num(ind, "firstLine"), _num(ind, "hanging")
        if hanging is not None:
            out["first"] = -hanging
        elif first is not None:
            out["first"] = first
    for key, tag in (("keep_next", "keepNext"), ("keep_lines", "keepLines"), ("widow", "widowControl"),
                     ("contextual", "contextualSpacing"), ("break_before", "pageBreakBefore")):
        v = _flag(ppr.find(q(tag)))
        if v is not None:
            out[key] = v
    borders = ppr.find(q("pBdr"))
    if borders is not None:  # a rule above or below takes its distance from the text plus its width
        for key in ("top", "bottom"):
            b = borders.find(q(key))
            if b is not None and (b.get(q("val")) or "none") not in ("none", "nil"):
                out[f"border_{key}"] = (_num(b, "space", 1.0) or 0.0) + (_num(b, "sz", 8.0) or 0.0)
    num = ppr.find(q("numPr"))
    if num is not None:
        nid, lvl = num.find(q("numId")), num.find(q("ilvl"))
        if nid is not None and nid.get(q("val")):
            out["num_id"] = nid.get(q("val"))
        if lvl is not None and lvl.get(q("val")):
            out["ilvl"] = lvl.get(q("val"))
    return out


def _flag_attr(el, attr: str) -> bool:
    v = el.get(q(attr))
    return v is not None and v.lower() not in _OFF


def rpr_props(rpr) -> dict:
    """The width- and height-relevant run properties present on a ``w:rPr``."""
    out: dict = {}
    if rpr is None:
        return out
    sz = _num(rpr.find(q("sz")), "val", 2.0)
    if sz is not None and sz > 0:
        out["size"] = sz
    fonts = rpr.find(q("rFonts"))
    if fonts is not None:
        if fonts.get(q("ascii")):
            out["font"] = fonts.get(q("ascii")).strip().lower()
        elif fonts.get(q("asciiTheme")):
            out["font"] = "theme:" + ("major" if "major" in fonts.get(q("asciiTheme")) else "minor")
        elif fonts.get(q("hAnsi")):
            out["font"] = fonts.get(q("hAnsi")).strip().lower()
    for key, tag in (("bold", "b"), ("caps", "caps"), ("vanish", "vanish")):
        v = _flag(rpr.find(q(tag)))
        if v is not None:
            out[key] = v
    spacing = _num(rpr.find(q("spacing")), "val")
    if spacing is not None:
        out["spacing"] = spacing
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


def read_section(sect) -> Section:
    s = Section()
    if sect is None:
        return s
    size = sect.find(q("pgSz"))
    s.width = _num(size, "w") or s.width
    s.height = _num(size, "h") or s.height
    mar = sect.find(q("pgMar"))
    for key in ("left", "right"):
        v = _num(mar, key)
        if v is not None:
            setattr(s, key, max(v, 0.0))
    for key in ("top", "bottom"):
        v = _num(mar, key)
        if v is not None:
            setattr(s, key, abs(v))
    cols = sect.find(q("cols"))
    if cols is not None and (cols.get(q("num")) or "").isdigit():
        s.columns = min(max(int(cols.get(q("num"))), 1), 12)
        s.column_gap = _num(cols, "space") or s.column_gap
    kind = sect.find(q("type"))
    if kind is not None and kind.get(q("val")):
        s.start = kind.get(q("val"))
    return s


@dataclass
class Settings:
    """Everything about the document's formatting the estimate reads, gathered once."""

    sections: list[Section] = field(default_factory=lambda: [Section()])
    styles: dict = field(default_factory=dict)  # styleId -> (type, basedOn, ppr props, rpr props, table ppr/rpr)
    default_para: str = ""
    defaults_ppr: dict = field(default_factory=dict)
    defaults_rpr: dict = field(default_factory=dict)
    numbering: dict = field(default_factory=dict)  # (numId, ilvl) -> ppr props of the level
    theme: dict = field(default_factory=lambda: {"minor": "calibri", "major": "calibri"})
    _resolved: dict = field(default_factory=dict)

    @property
    def section(self) -> Section:
        return self.sections[-1]

    def style_props(self, sid: str, kind: int) -> dict:
        """A style's properties with its ``basedOn`` chain merged in (kind 2 = pPr, 3 = rPr)."""
        key = (sid, kind)
        if key in self._resolved:
            return self._resolved[key]
        chain = []
        seen = set()
        while sid and sid in self.styles and sid not in seen and len(chain) < MAX_CHAIN:
            seen.add(sid)
            chain.append(self.styles[sid])
            sid = self.styles[sid][1]
        merged: dict = {}
        for entry in reversed(chain):
            merged.update(entry[kind])
        self._resolved[key] = merged
        return merged

    def table_props(self, sid: str) -> tuple[dict, dict, dict]:
        """A table style's paragraph and run properties, and its cell margins (left, right, top, bottom)."""
        ppr, rpr, mar = {}, {}, {}
        chain = []
        seen = set()
        while sid and sid in self.styles and sid not in seen and len(chain) < MAX_CHAIN:
            seen.add(sid)
            chain.append(self.styles[sid])
            sid = self.styles[sid][1]
        for entry in reversed(chain):
            ppr.update(entry[2])
            rpr.update(entry[3])
            mar.update(entry[4])
        return ppr, rpr, mar

    def font(self, name: str) -> str:
        if name.startswith("theme:"):
            return self.theme.get(name[6:], "calibri")
        return name


def cell_margins(tblpr) -> dict:
    out: dict = {}
    mar = tblpr.find(q("tblCellMar")) if tblpr is not None else None
    if mar is None:
        return out
    for key, names in (("left", ("left", "start")), ("right", ("right", "end")), ("top", ("top",)),
                       ("bottom", ("bottom",))):
        for name in names:
            v = _num(mar.find(q(name)), "w")
            if v is not None:
                out[key] = v
                break
    return out


def read_settings(body, styles_root, theme_root=None, numbering_root=None) -> Settings:
    s = Settings()
    if body is not None:
        sects = [p.find(f"{PPR}/{SECTPR}") for p in body.iterchildren(q("p"))]
        sections = [read_section(x) for x in sects if x is not None]
        sections.append(read_section(body.find(SECTPR)))
        s.sections = sections
    if styles_root is not None:
        defaults = styles_root.find(q("docDefaults"))
        if defaults is not None:
            s.defaults_rpr = rpr_props(defaults.find(f"{q('rPrDefault')}/{RPR}"))
            s.defaults_ppr = ppr_props(defaults.find(f"{q('pPrDefault')}/{PPR}"))
        for st in styles_root.iterchildren(q("style")):
            sid = st.get(q("styleId"))
            if not sid:
                continue
            kind = st.get(q("type")) or "paragraph"
            based = st.find(q("basedOn"))
            tblpr = st.find(q("tblPr"))
            s.styles[sid] = (kind, based.get(q("val")) if based is not None else None,
                             ppr_props(st.find(PPR)), rpr_props(st.find(RPR)), cell_margins(tblpr))
            if kind == "paragraph" and st.get(q("default")) in ("1", "true", "on"):
                s.default_para = sid
    if theme_root is not None:
        for key in ("minor", "major"):
            latin = theme_root.find(f".//{{{A}}}{key}Font/{{{A}}}latin")
            if latin is not None and latin.get("typeface"):
                s.theme[key] = latin.get("typeface").strip().lower()
    if numbering_root is not None:
        abstract = {}
        for an in numbering_root.iterchildren(q("abstractNum")):
            levels = {}
            for lvl in an.iterchildren(q("lvl")):
                levels[lvl.get(q("ilvl")) or "0"] = ppr_props(lvl.find(PPR))
            abstract[an.get(q("abstractNumId"))] = levels
        for num in numbering_root.iterchildren(q("num")):
            ref = num.find(q("abstractNumId"))
            levels = abstract.get(ref.get(q("val")) if ref is not None else None, {})
            for ilvl, props in levels.items():
                s.numbering[(num.get(q("numId")), ilvl)] = {k: v for k, v in props.items() if k in ("left", "first", "right")}
    return s
