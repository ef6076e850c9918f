"""Measuring a DOCX body for the page estimate: paragraphs into lines, tables into rows.

Each run is wrapped with the character widths of its font (``font_metrics``: Word's fonts through
the metric-compatible stand-ins LibreOffice uses) at its size; a line is as tall as its tallest
font times the line spacing, or its inline picture; tables take their column widths and cell
margins. ``docx_layout`` then flows the result onto pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .docx_styles import (
    MAX_POINTS,
    P_STYLE,
    PPR,
    R_STYLE,
    RPR,
    VAL,
    Settings,
    cell_margins,
    points,
    ppr_props,
    q,
    rpr_props,
    section_break,
)
from .docx_wrap import wrap

WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
R, T, TAB, BR, CR, P, TBL, TR, TC = (q(x) for x in ("r", "t", "tab", "br", "cr", "p", "tbl", "tr", "tc"))
DRAWING, PICT, NBH, SYM, PTAB = (q(x) for x in ("drawing", "pict", "noBreakHyphen", "sym", "ptab"))
SKIP = {q("del"), q("moveFrom"), PPR, q("rPr"), f"{{{MC}}}Fallback", q("txbxContent"), q("instrText")}
INLINE, ANCHOR, EXTENT = f"{{{WP}}}inline", f"{{{WP}}}anchor", f"{{{WP}}}extent"
ALTERNATE = f"{{{MC}}}AlternateContent"
EMU = 12700.0
MAX_DEPTH = 8

# Word's fonts -> the metric-compatible family LibreOffice lays them out with; any other font is
# laid out in LibreOffice's fallback (DejaVu Sans), and its count is less certain.
FAITHFUL = {
    "calibri": "carlito", "carlito": "carlito", "cambria": "caladea", "caladea": "caladea",
    "arial": "liberation-sans", "helvetica": "liberation-sans", "arimo": "liberation-sans",
    "liberation sans": "liberation-sans", "times new roman": "liberation-serif", "times": "liberation-serif",
    "tinos": "liberation-serif", "liberation serif": "liberation-serif", "courier new": "liberation-mono",
    "courier": "liberation-mono", "cousine": "liberation-mono", "liberation mono": "liberation-mono",
    "arial narrow": "liberation-sans-narrow", "liberation sans narrow": "liberation-sans-narrow",
    "dejavu sans": "dejavu-sans", "dejavu serif": "dejavu-serif", "dejavu sans mono": "dejavu-sans-mono",
}
SUBSTITUTED = {
    "georgia": "dejavu-serif", "garamond": "dejavu-serif", "palatino": "dejavu-serif",
    "palatino linotype": "dejavu-serif", "constantia": "dejavu-serif", "consolas": "dejavu-sans-mono",
}
FALLBACK = "dejavu-sans"


def family_of(name: str) -> tuple[str, bool]:
    """The metrics family for a font name, and whether it is a faithful (metric-compatible) stand-in."""
    if name in FAITHFUL:
        return FAITHFUL[name], True
    return SUBSTITUTED.get(name, FALLBACK), False


@dataclass
class Para:
    style: str
    before: float
    after: float
    pieces: list  # per piece between page breaks: list of line heights
    keep_next: bool = False
    keep_lines: bool = False
    widow: bool = False
    contextual: bool = False
    break_before: bool = False
    floats: float = 0.0  # height of floating objects anchored here that push text down
    blocks: list = field(default_factory=list)
    section_end: bool = False
    slack: float = 0.0  # the share of a line that is extra spacing, which may hang below the last line on a page

    @property
    def height(self) -> float:
        return self.before + sum(sum(p) for p in self.pieces) + self.after + self.floats


@dataclass
class Row:
    height: float
    line: float  # the line height of its tallest cell, for splitting across pages
    cant_split: bool
    header: bool
    blocks: list


@dataclass
class Table:
    rows: list


class Measure:
    """Measures paragraphs and tables with the document's resolved formatting; notes the fonts it had to
    stand in for and how many floating objects it met, for the estimate's uncertainty."""

    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.substituted: set[str] = set()
        self.floats = 0
        self._base: dict[str, tuple[dict, dict]] = {}  # style id -> its paragraph and run properties, outside tables

    def _style_base(self, sid: str, table: tuple[dict, dict] | None) -> tuple[dict, dict]:
        """The defaults, the table style's and the paragraph style's properties merged: a fresh paragraph
        dict (the caller adds direct formatting to it) and a run dict that is only ever read."""
        s = self.s
        if table:
            return ({**s.defaults_ppr, **table[0], **s.style_props(sid, 2)},
                    {**s.defaults_rpr, **table[1], **s.style_props(sid, 3)})
        base = self._base.get(sid)
        if base is None:
            base = self._base[sid] = ({**s.defaults_ppr, **s.style_props(sid, 2)},
                                      {**s.defaults_rpr, **s.style_props(sid, 3)})
        return dict(base[0]), base[1]

    def props(self, p, table: tuple[dict, dict] | None = None) -> tuple[str, dict, dict]:
        s = self.s
        ppr_el = p.find(PPR)
        sid = ""
        if ppr_el is not None:
            ps = ppr_el.find(P_STYLE)
            sid = (ps.get(VAL) if ps is not None else "") or ""
        sid = sid if sid in s.styles else s.default_para
        ppr, rpr = self._style_base(sid, table)
        direct = ppr_props(ppr_el)
        num_id = direct.get("num_id", ppr.get("num_id"))
        if num_id and num_id != "0":
            ppr.update(s.numbering.get((num_id, direct.get("ilvl", ppr.get("ilvl", "0"))), {}))
            ppr["numbered"] = True
        ppr.update(direct)
        if ppr_el is not None:
            mark = rpr_props(ppr_el.find(RPR))
            if "size" in mark:
                ppr["mark_size"] = mark["size"]
        return sid, ppr, rpr

    def run_font(self, rpr: dict) -> tuple[str, float, bool, bool, float]:
        name = self.s.font(rpr.get("font", "theme:minor"))
        family, faithful = family_of(name)
        if not faithful:
            self.substituted.add(name)
        return family, rpr.get("size", 10.0), bool(rpr.get("bold")), bool(rpr.get("caps")), rpr.get("spacing", 0.0)

    def atoms(self, el, rpr: dict, out: list, depth: int = 0) -> None:
        """The paragraph's content in order: ("text", str, font), ("tab",), ("br",), ("page",), ("img", w, h)."""
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIP:
                continue
            if tag == R:
                run_rpr = rpr
                rp = child.find(RPR)
                if rp is not None:
                    style = rp.find(R_STYLE)
                    extra = self.s.style_props(style.get(VAL), 3) if style is not None else {}
                    run_rpr = {**rpr, **extra, **rpr_props(rp)}
                if run_rpr.get("vanish"):
                    continue
                font = self.run_font(run_rpr)
                self.run(child, font, out, depth)
            elif tag == ALTERNATE:
                choice = next((c for c in child if isinstance(c.tag, str) and c.tag.endswith("Choice")), None)
                if choice is not None and depth < MAX_DEPTH:
                    self.atoms(choice, rpr, out, depth + 1)
            elif depth < MAX_DEPTH:
                self.atoms(child, rpr, out, depth + 1)

    def run(self, r, font: tuple, out: list, depth: int) -> None:
        for child in r:
            tag = child.tag
            if tag == T:
                text = child.text or ""
                if text:
                    out.append(("text", text, font))
            elif tag in (TAB, PTAB):
                out.append(("tab", font))
            elif tag == BR:
                out.append(("page",) if child.get(q("type")) == "page" else ("br", font))
            elif tag == CR:
                out.append(("br", font))
            elif tag in (NBH, SYM):
                out.append(("text", "-" if tag == NBH else "n", font))
            elif tag in (DRAWING, PICT) or (isinstance(tag, str) and tag.endswith("AlternateContent")):
                self.drawing(child, out)

    def drawing(self, el, out: list) -> None:
        for obj in el.iter(INLINE, ANCHOR):
            ext = obj.find(EXTENT)
            try:
                w = int(ext.get("cx", "0")) / EMU if ext is not None else 0.0
                h = int(ext.get("cy", "0")) / EMU if ext is not None else 0.0
            except (ValueError, OverflowError):
                return
            if not (abs(w) <= MAX_POINTS and abs(h) <= MAX_POINTS):  # not a picture's size: malformed
                return
            if obj.tag == INLINE:
                out.append(("img", w, h))
            else:
                self.floats += 1
                wraps = {c.tag.rsplit("}", 1)[-1] for c in obj if isinstance(c.tag, str)}
                if obj.get("behindDoc") in ("1", "true") or "wrapNone" in wraps:
                    return
                out.append(("float", h))
            return  # one object per drawing; its fallback and children are the same object
        style = next((x.get("style") for x in el.iter() if x.get("style") and "height" in x.get("style")), None)
        if style and "position:absolute" not in style:  # VML: an inline picture in old-format files
            m = re.search(r"height:\s*([\d.]+)(pt|in|px)?", style)
            try:
                h = float(m.group(1)) * {"in": 72.0, "px": 0.75}.get(m.group(2) or "pt", 1.0) if m else None
            except ValueError:  # "1.2.3pt"
                h = None
            if h is not None and h <= MAX_POINTS:  # a longer run of digits is not a picture's height
                out.append(("img", 0.0, h))

    def paragraph(self, p, width: float, table: tuple[dict, dict] | None = None) -> Para:
        sid, ppr, rpr = self.props(p, table)
        atoms: list = []
        self.atoms(p, rpr, atoms)
        mark_font = self.run_font({**rpr, **({"size": ppr["mark_size"]} if "mark_size" in ppr else {})})
        left, right, first = ppr.get("left", 0.0), ppr.get("right", 0.0), ppr.get("first", 0.0)
        avail = max(width - left - right, 18.0)
        first_avail = avail if ppr.get("numbered") else max(avail - first, 18.0)
        pieces, floats = wrap(atoms, first_avail, avail, ppr, mark_font)
        sect = section_break(p)
        if sect is not None and not atoms:  # an empty paragraph that only ends a section takes no room
            return Para(sid, 0.0, 0.0, [[]], section_end=True)
        if ppr.get("border_top") or ppr.get("border_bottom"):
            pieces[0][:1] = [h + ppr.get("border_top", 0.0) for h in pieces[0][:1]]
            pieces[-1][-1:] = [h + ppr.get("border_bottom", 0.0) for h in pieces[-1][-1:]]
        return Para(sid, ppr.get("before", 0.0), ppr.get("after", 0.0), pieces, ppr.get("keep_next", False),
                     ppr.get("keep_lines", False), ppr.get("widow", True), ppr.get("contextual", False),
                     ppr.get("break_before", False), floats, section_end=sect is not None,
                     slack=_slack(ppr))

    def table(self, tbl, width: float, depth: int = 0) -> Table:
        s = self.s
        tblpr = tbl.find(q("tblPr"))
        style = tblpr.find(q("tblStyle")) if tblpr is not None else None
        sid = (style.get(q("val")) if style is not None else "") or ""
        t_ppr, t_rpr, mar = s.table_props(sid) if sid in s.styles else ({}, {}, {})
        # A table style's spacing before and after beat the document defaults; its line spacing does not.
        t_ppr = {k: v for k, v in t_ppr.items() if k not in ("line", "rule")}
        mar = {"left": 5.4, "right": 5.4, "top": 0.0, "bottom": 0.0, **mar, **cell_margins(tblpr)}
        grid = []
        for col in tbl.iterchildren(q("tblGrid")):
            for gc in col.iterchildren(q("gridCol")):
                grid.append(max(points(gc.get(q("w"), "0")) or 0.0, 0.0))
        rows = []
        for tr in tbl.iterchildren(TR):
            cells = list(tr.iterchildren(TC))
            if not grid or len(grid) < len(cells):
                grid = [width / max(len(cells), 1)] * max(len(cells), 1)
            trpr = tr.find(q("trPr"))
            col, tallest, line = 0, 0.0, 0.0
            for tc in cells:
                tcpr = tc.find(q("tcPr"))
                span_el = tcpr.find(q("gridSpan")) if tcpr is not None else None
                span = int(span_el.get(q("val"), "1")) if span_el is not None and (span_el.get(q("val")) or "").isdigit() else 1
                cw = sum(grid[col:col + span]) or width / max(len(cells), 1)
                col += span
                cm = {**mar, **cell_margins(tcpr)} if tcpr is not None else mar
                inner = max(cw - cm["left"] - cm["right"], 12.0)
                height, lines = 0.0, []
                for child in tc:
                    if child.tag == P:
                        para = self.paragraph(child, inner, (t_ppr, t_rpr))
                        height += para.height
                        lines.extend(h for piece in para.pieces for h in piece)
                    elif child.tag == TBL and depth < MAX_DEPTH:
                        height += sum(r.height for r in self.table(child, inner, depth + 1).rows)
                height += cm["top"] + cm["bottom"]
                if height > tallest:
                    tallest, line = height, (max(lines) if lines else height)
            height = tallest
            if trpr is not None:
                th = trpr.find(q("trHeight"))
                val = th.get(q("val")) if th is not None else None
                if val and val.isdigit() and int(val) / 20.0 <= MAX_POINTS:
                    rule = th.get(q("hRule")) or "atLeast"
                    height = int(val) / 20.0 if rule == "exact" else max(height, int(val) / 20.0)
            rows.append(Row(height + ROW_BORDER, line, trpr is not None and trpr.find(q("cantSplit")) is not None,
                             trpr is not None and trpr.find(q("tblHeader")) is not None, []))
        return Table(rows)


def _slack(ppr: dict) -> float:
    spacing = ppr.get("line", 1.0)
    return (spacing - 1.0) / spacing if ppr.get("rule", "auto") == "auto" and spacing > 1.0 else 0.0


ROW_BORDER = 0.5
