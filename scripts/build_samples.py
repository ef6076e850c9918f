#!/usr/bin/env python3
"""Build the sample take-home submissions used as grader fixtures.

Reads every ``sample_submissions/src/<name>.md`` (mini-markdown, see
``sample_submissions/README.md``) and writes

* ``sample_submissions/<name>.pdf``  -- reportlab/platypus, A4, running header
  (candidate name + short title) and a "Page N" footer on every page;
* ``sample_submissions/<name>.docx`` -- python-docx, real Title / Heading /
  List / Table Grid styles, page header + PAGE-field footer.

Output is deterministic: the PDF is built with ``invariant=1`` and the DOCX
gets fixed core-property dates and fixed zip-member timestamps, so re-running
the script on unchanged sources gives byte-identical files.

Usage::

    python scripts/build_samples.py            # build all samples
    python scripts/build_samples.py NAME ...   # build only the given stems

For each sample the script prints the PDF page count and, if
``sample_submissions/expected.toml`` exists, checks that its ``page-limit``
verdict agrees with that count (<= 3 pages passes); it exits 1 on a mismatch.
The DOCX's ``docProps/app.xml`` <Pages> is set to the same count (python-docx
cannot paginate, and its template would otherwise claim a single page).

Only python-docx, reportlab and the standard library are needed to build;
pypdf is used (if installed) to count the pages of each PDF.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_submissions"
SRC = SAMPLES / "src"

# --------------------------------------------------------------------------
# Mini-markdown parsing
# --------------------------------------------------------------------------

_BULLET = re.compile(r"^[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\d+\.\s+(.*)$")
_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
_CAPTION = re.compile(r"^(Figure|Table)\s+\d+\s*:\s*\S.*$")
_FIGURE = re.compile(r"^!\[(.*)\]\((.*)\)$")
_PAGEBREAK = re.compile(r"^<!--\s*pagebreak\s*-->$", re.IGNORECASE)
_TABLE_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_CANDIDATE = re.compile(r"^(?:candidate|author|submitted by|prepared by)\s*:\s*(.+)$", re.IGNORECASE)


@dataclass
class Block:
    kind: str  # title, heading, para, cover, bullets, numbered, table, code, caption, figure, pagebreak
    text: str = ""
    level: int = 0
    items: list = field(default_factory=list)  # list items / table rows


@dataclass
class Doc:
    name: str
    blocks: list
    title: str
    candidate: str
    short_title: str
    date: dt.datetime


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def parse(text: str) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []

    def flush_para():
        if para:
            blocks.append(Block("para", " ".join(s.strip() for s in para)))
            para.clear()

    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("```"):
            flush_para()
            lang = stripped[3:].strip()
            code: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                code.append(lines[i].rstrip())
                i += 1
            i += 1  # closing fence
            blocks.append(Block("code", "\n".join(code), items=[lang]))
            continue
        if not stripped:
            flush_para()
            i += 1
            continue
        m_head = _HEADING.match(stripped)
        if m_head:
            flush_para()
            level = len(m_head.group(1))
            blocks.append(Block("title" if level == 1 else "heading", m_head.group(2).strip(), level=level))
        elif _PAGEBREAK.match(stripped):
            flush_para()
            blocks.append(Block("pagebreak"))
        elif _FIGURE.match(stripped):
            flush_para()
            blocks.append(Block("figure", _FIGURE.match(stripped).group(1).strip()))
        elif stripped.startswith("|"):
            flush_para()
            if not _TABLE_SEP.match(stripped):
                row = _split_row(stripped)
                if blocks and blocks[-1].kind == "table" and blocks[-1].text == "open":
                    blocks[-1].items.append(row)
                else:
                    blocks.append(Block("table", "open", items=[row]))
            i += 1
            # close the table when the next line is not a table line
            if i >= len(lines) or not lines[i].strip().startswith("|"):
                if blocks and blocks[-1].kind == "table":
                    blocks[-1].text = ""
            continue
        elif _BULLET.match(stripped):
            flush_para()
            item = _BULLET.match(stripped).group(1).strip()
            if blocks and blocks[-1].kind == "bullets" and blocks[-1].text == "open":
                blocks[-1].items.append(item)
            else:
                blocks.append(Block("bullets", "open", items=[item]))
            i += 1
            if i >= len(lines) or not _BULLET.match(lines[i].strip()):
                blocks[-1].text = ""
            continue
        elif _NUMBERED.match(stripped):
            flush_para()
            item = _NUMBERED.match(stripped).group(1).strip()
            if blocks and blocks[-1].kind == "numbered" and blocks[-1].text == "open":
                blocks[-1].items.append(item)
            else:
                blocks.append(Block("numbered", "open", items=[item]))
            i += 1
            if i >= len(lines) or not _NUMBERED.match(lines[i].strip()):
                blocks[-1].text = ""
            continue
        elif _CAPTION.match(stripped) and not para and (i + 1 >= len(lines) or not lines[i + 1].strip()):
            blocks.append(Block("caption", stripped))
        else:
            para.append(stripped)
        i += 1
    flush_para()

    # Mark the cover block: the short single-line paragraphs right after the title.
    seen_title = False
    for b in blocks:
        if b.kind == "title" and not seen_title:
            seen_title = True
            continue
        if not seen_title:
            break
        if b.kind == "para" and len(b.text) <= 90:
            b.kind = "cover"
            continue
        break
    return blocks


_DATE_FORMATS = ("%d %B %Y", "%B %d, %Y", "%d %b %Y", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")


def _parse_date(text: str) -> dt.datetime | None:
    text = re.sub(r"^(date|submitted)\s*:\s*", "", text.strip(), flags=re.IGNORECASE)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).replace(hour=9)
        except ValueError:
            pass
    return None


def _short_title(title: str) -> str:
    short = re.split(r"\s*[:\u2014\u2013]\s*|\s+-\s+", title, maxsplit=1)[0].strip()
    if len(short) > 48:
        short = short[:48].rsplit(" ", 1)[0] + "\u2026"
    return short


def load(path: Path) -> Doc:
    text = path.read_text(encoding="utf-8")
    bad = sorted({ch for ch in text if ch not in "\n" and _not_cp1252(ch)})
    if bad:
        raise SystemExit(f"{path.name}: characters outside cp1252 (not in the PDF base fonts): {''.join(bad)!r}")
    blocks = parse(text)
    title = next((b.text for b in blocks if b.kind == "title"), path.stem)
    candidate, date = "", None
    for b in blocks:
        if b.kind != "cover":
            continue
        m = _CANDIDATE.match(b.text)
        if m and not candidate:
            candidate = m.group(1).strip()
        if date is None:
            date = _parse_date(b.text)
    return Doc(
        name=path.stem,
        blocks=blocks,
        title=title,
        candidate=candidate or "Candidate",
        short_title=_short_title(title),
        date=date or dt.datetime(2025, 1, 1, 9, 0, 0),
    )


def _not_cp1252(ch: str) -> bool:
    try:
        ch.encode("cp1252")
        return False
    except UnicodeEncodeError:
        return True


# --------------------------------------------------------------------------
# PDF (reportlab platypus)
# --------------------------------------------------------------------------


def build_pdf(doc: Doc, out: Path) -> int:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Flowable,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Table,
        TableStyle,
        XPreformatted,
    )

    body = ParagraphStyle("Body", fontName="Helvetica", fontSize=10.5, leading=14, spaceAfter=6)
    styles = {
        "title": ParagraphStyle("Title", fontName="Helvetica-Bold", fontSize=20, leading=24, spaceAfter=8),
        "cover": ParagraphStyle("Cover", parent=body, textColor=colors.HexColor("#444444"), spaceAfter=2),
        2: ParagraphStyle("H1", fontName="Helvetica-Bold", fontSize=13.5, leading=17, spaceBefore=10, spaceAfter=5),
        3: ParagraphStyle("H2", fontName="Helvetica-Bold", fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4),
        "body": body,
        "bullet": ParagraphStyle("Bullet", parent=body, leftIndent=16, bulletIndent=5, spaceAfter=3),
        "bullet_last": ParagraphStyle("BulletLast", parent=body, leftIndent=16, bulletIndent=5, spaceAfter=8),
        "caption": ParagraphStyle(
            "Caption",
            parent=body,
            fontName="Helvetica-Oblique",
            fontSize=9,
            leading=12,
            textColor=colors.HexColor("#333333"),
            spaceBefore=2,
            spaceAfter=8,
        ),
        "cell": ParagraphStyle("Cell", fontName="Helvetica", fontSize=9.5, leading=12),
        "cellhead": ParagraphStyle("CellHead", fontName="Helvetica-Bold", fontSize=9.5, leading=12),
        "code": ParagraphStyle(
            "Code",
            fontName="Courier",
            fontSize=8.5,
            leading=10.5,
            backColor=colors.HexColor("#f2f2f2"),
            borderPadding=4,
            leftIndent=4,
            rightIndent=4,
            spaceBefore=4,
            spaceAfter=10,
        ),
    }

    class FigureBox(Flowable):
        """Grey placeholder box standing in for a chart, with its alt text."""

        def __init__(self, w, h, label):
            super().__init__()
            self.width, self.height, self.label = w, h, label
            self.spaceBefore, self.spaceAfter = 4, 4

        def wrap(self, avail_w, avail_h):
            return self.width, self.height

        def draw(self):
            c = self.canv
            c.setFillColor(colors.HexColor("#dddddd"))
            c.setStrokeColor(colors.HexColor("#999999"))
            c.setLineWidth(0.5)
            c.rect(0, 0, self.width, self.height, fill=1, stroke=1)
            c.setFillColor(colors.HexColor("#444444"))
            c.setFont("Helvetica-Oblique", 9)
            c.drawCentredString(self.width / 2, self.height / 2 - 3, self.label)

    left = right = 2.2 * cm
    top, bottom = 2.6 * cm, 2.2 * cm
    width, height = A4
    frame_w = width - left - right
    header_text = f"{doc.candidate} \u2014 {doc.short_title}"

    def on_page(canvas, _doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 8.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(left, height - 1.5 * cm, header_text)
        canvas.drawRightString(width - right, height - 1.5 * cm, "Take-home case study")
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.setLineWidth(0.4)
        canvas.line(left, height - 1.65 * cm, width - right, height - 1.65 * cm)
        canvas.drawCentredString(width / 2, 1.2 * cm, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    story = []
    for b in doc.blocks:
        if b.kind == "title":
            story.append(Paragraph(escape(b.text), styles["title"]))
        elif b.kind == "cover":
            story.append(Paragraph(escape(b.text), styles["cover"]))
        elif b.kind == "heading":
            story.append(Paragraph(escape(b.text), styles[min(b.level, 3)]))
        elif b.kind == "para":
            story.append(Paragraph(escape(b.text), styles["body"]))
        elif b.kind in ("bullets", "numbered"):
            for n, item in enumerate(b.items, 1):
                style = styles["bullet_last" if n == len(b.items) else "bullet"]
                marker = "\u2022" if b.kind == "bullets" else f"{n}."
                story.append(Paragraph(escape(item), style, bulletText=marker))
        elif b.kind == "caption":
            story.append(Paragraph(escape(b.text), styles["caption"]))
        elif b.kind == "code":
            story.append(XPreformatted(escape(b.text), styles["code"]))
        elif b.kind == "pagebreak":
            story.append(PageBreak())
        elif b.kind == "figure":
            story.append(FigureBox(frame_w, 3.8 * cm, f"[chart] {b.text}"))
        elif b.kind == "table":
            rows = b.items
            ncols = max(len(r) for r in rows)
            rows = [r + [""] * (ncols - len(r)) for r in rows]
            data = [
                [Paragraph(escape(c), styles["cellhead" if ri == 0 else "cell"]) for c in row]
                for ri, row in enumerate(rows)
            ]
            # column widths proportional to (clamped) content length
            lens = [max(min(len(r[ci]), 60) for r in rows) + 6 for ci in range(ncols)]
            total = sum(lens)
            widths = [frame_w * n / total for n in lens]
            t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT", spaceBefore=2, spaceAfter=6)
            t.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("TOPPADDING", (0, 0), (-1, -1), 3),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                    ]
                )
            )
            story.append(t)
        else:  # pragma: no cover - parser only produces the kinds above
            raise ValueError(b.kind)

    # keep headings with the block that follows them
    merged = []
    i = 0
    while i < len(story):
        f = story[i]
        if isinstance(f, Paragraph) and f.style.name in ("H1", "H2") and i + 1 < len(story):
            merged.append(KeepTogether([f, story[i + 1]]))
            i += 2
            continue
        merged.append(f)
        i += 1

    pdf = SimpleDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=doc.title,
        author=doc.candidate,
        subject="Take-home case study",
        creator="scripts/build_samples.py",
        invariant=1,
    )
    pdf.build(merged, onFirstPage=on_page, onLaterPages=on_page)
    return pdf.page


# --------------------------------------------------------------------------
# DOCX (python-docx)
# --------------------------------------------------------------------------


def _png_box(w: int = 664, h: int = 152) -> bytes:
    """A grey placeholder box with a darker border, as a PNG (pure stdlib)."""
    fill, edge = 221, 153
    rows = []
    for y in range(h):
        if y < 2 or y >= h - 2:
            row = bytes([edge]) * w
        else:
            row = bytes([edge, edge]) + bytes([fill]) * (w - 4) + bytes([edge, edge])
        rows.append(b"\x00" + row)
    raw = b"".join(rows)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _set_font(style, name: str) -> None:
    """Set a style's font, dropping theme-font attributes that would override it."""
    from docx.oxml.ns import qn

    style.font.name = name
    rfonts = style.element.rPr.rFonts
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if rfonts.get(qn(attr)) is not None:
            del rfonts.attrib[qn(attr)]
    rfonts.set(qn("w:cs"), name)


def _add_field(run, instr: str):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instr} "
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, text, sep, shown, end):
        run._r.append(el)


def _restart_numbering(doc, paragraph, base_num_id: int) -> int:
    """Give `paragraph` a fresh w:num (same abstract list) that restarts at 1."""
    numbering = doc.part.numbering_part.numbering_definitions._numbering
    base = numbering.num_having_numId(base_num_id)
    new = numbering.add_num(base.abstractNumId.val)
    new.add_lvlOverride(ilvl=0).add_startOverride(1)
    return new.numId


def _set_num(paragraph, num_id: int):
    numPr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numPr.get_or_add_ilvl().val = 0
    numPr.get_or_add_numId().val = num_id


def build_docx(doc: Doc, out: Path, pages: int) -> None:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    d = docx.Document()
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.2)
    sec.top_margin, sec.bottom_margin = Cm(2.6), Cm(2.2)
    sec.header_distance, sec.footer_distance = Cm(1.2), Cm(1.0)

    st = d.styles
    normal = st["Normal"]
    _set_font(normal, "Arial")
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = Pt(14)
    for name, size in (("Title", 20), ("Heading 1", 13.5), ("Heading 2", 11.5)):
        s = st[name]
        _set_font(s, "Arial")
        s.font.size = Pt(size)
        s.font.bold = True
        s.font.color.rgb = RGBColor(0x1F, 0x1F, 0x1F)
        s.paragraph_format.line_spacing = 1.0
    st["Heading 1"].paragraph_format.space_before = Pt(10)
    st["Heading 1"].paragraph_format.space_after = Pt(5)
    st["Heading 2"].paragraph_format.space_before = Pt(8)
    st["Heading 2"].paragraph_format.space_after = Pt(4)
    st["Title"].paragraph_format.space_after = Pt(8)
    for name in ("List Bullet", "List Number"):
        _set_font(st[name], "Arial")
        st[name].paragraph_format.space_after = Pt(3)
    cap = st["Caption"]
    _set_font(cap, "Arial")
    cap.font.size = Pt(9)
    cap.font.italic = True
    cap.font.bold = False
    cap.font.color.rgb = RGBColor(0x33, 0x33, 0x33)
    cap.paragraph_format.space_after = Pt(8)
    code = st.add_style("Code", WD_STYLE_TYPE.PARAGRAPH)
    code.base_style = normal
    _set_font(code, "Courier New")
    code.font.size = Pt(8.5)
    code.paragraph_format.line_spacing = 1.0
    code.paragraph_format.space_before = Pt(4)
    code.paragraph_format.space_after = Pt(10)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), "F2F2F2")
    code.element.get_or_add_pPr().append(shd)

    # running header / footer
    hp = sec.header.paragraphs[0]
    hp.text = f"{doc.candidate} \u2014 {doc.short_title}\tTake-home case study"
    hp.style.font.size = Pt(8.5)
    header_tabs = st["Header"].paragraph_format.tab_stops
    header_tabs.clear_all()  # the template's tabs are for US Letter
    header_tabs.add_tab_stop(Cm(16.6), WD_TAB_ALIGNMENT.RIGHT)
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fp.add_run("Page ")
    _add_field(fp.add_run(), "PAGE")

    list_number_num_id = None
    used_numbered = False
    for b in doc.blocks:
        if b.kind == "title":
            d.add_paragraph(b.text, style="Title")
        elif b.kind == "cover":
            p = d.add_paragraph(b.text)
            p.paragraph_format.space_after = Pt(2)
            for r in p.runs:
                r.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
        elif b.kind == "heading":
            d.add_paragraph(b.text, style="Heading 1" if b.level <= 2 else "Heading 2")
        elif b.kind == "para":
            d.add_paragraph(b.text)
        elif b.kind == "bullets":
            for item in b.items:
                d.add_paragraph(item, style="List Bullet")
        elif b.kind == "numbered":
            num_id = None
            for item in b.items:
                p = d.add_paragraph(item, style="List Number")
                if used_numbered:
                    if num_id is None:
                        if list_number_num_id is None:
                            list_number_num_id = st["List Number"].element.pPr.numPr.numId.val
                        num_id = _restart_numbering(d, p, list_number_num_id)
                    _set_num(p, num_id)
            used_numbered = True
        elif b.kind == "caption":
            d.add_paragraph(b.text, style="Caption")
        elif b.kind == "code":
            p = d.add_paragraph(style="Code")
            for n, line in enumerate(b.text.split("\n")):
                if n:
                    p.add_run().add_break()
                p.add_run(line)
        elif b.kind == "pagebreak":
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif b.kind == "figure":
            d.add_picture(io.BytesIO(_png_box()), width=Cm(16.6))
            p = d.paragraphs[-1]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.line_spacing = 1.0  # an exact line height would clip the picture
            for docpr in p._p.iter(qn("wp:docPr")):
                docpr.set("descr", b.text)
                docpr.set("title", b.text)
        elif b.kind == "table":
            rows = b.items
            ncols = max(len(r) for r in rows)
            t = d.add_table(rows=len(rows), cols=ncols)
            t.style = st["Table Grid"]
            t.alignment = WD_TABLE_ALIGNMENT.LEFT
            for ri, row in enumerate(rows):
                for ci in range(ncols):
                    cell = t.cell(ri, ci)
                    para = cell.paragraphs[0]
                    para.paragraph_format.space_after = Pt(0)
                    para.paragraph_format.line_spacing = 1.0
                    run = para.add_run(row[ci] if ci < len(row) else "")
                    run.font.size = Pt(9.5)
                    run.bold = ri == 0
            d.add_paragraph().paragraph_format.space_after = Pt(0)
        else:  # pragma: no cover
            raise ValueError(b.kind)

    cp = d.core_properties
    cp.title = doc.title
    cp.author = doc.candidate
    cp.last_modified_by = doc.candidate
    cp.subject = "Take-home case study"
    cp.comments = ""
    cp.keywords = ""
    cp.revision = 1
    cp.created = doc.date
    cp.modified = doc.date
    cp.last_printed = doc.date

    buf = io.BytesIO()
    d.save(buf)
    _write_normalised_docx(buf.getvalue(), out, _app_xml(doc, pages))


def _app_xml(doc: Doc, pages: int) -> bytes:
    """Extended properties as Word would write them (Pages = the companion PDF's count)."""
    text = " ".join(
        b.text
        if b.kind not in ("bullets", "numbered", "table")
        else " ".join(" ".join(r) if isinstance(r, list) else r for r in b.items)
        for b in doc.blocks
    )
    words = len(text.split())
    chars = len(text.replace(" ", ""))
    paras = sum(1 for b in doc.blocks if b.kind not in ("pagebreak",))
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        "<Template>Normal.dotm</Template><TotalTime>0</TotalTime>"
        f"<Pages>{pages}</Pages><Words>{words}</Words><Characters>{chars}</Characters>"
        "<Application>build_samples.py (python-docx)</Application><DocSecurity>0</DocSecurity>"
        f"<Lines>{max(1, len(text) // 95)}</Lines><Paragraphs>{paras}</Paragraphs>"
        "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
        f"<CharactersWithSpaces>{len(text)}</CharactersWithSpaces>"
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
        "<AppVersion>16.0000</AppVersion></Properties>"
    ).encode()


def _write_normalised_docx(data: bytes, out: Path, app_xml: bytes) -> None:
    """Re-zip with fixed timestamps (and our app.xml) so builds are reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    dst_buf = io.BytesIO()
    with zipfile.ZipFile(dst_buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = app_xml if info.filename == "docProps/app.xml" else src.read(info.filename)
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, blob)
    out.write_bytes(dst_buf.getvalue())


# --------------------------------------------------------------------------

PAGE_LIMIT = 3


def _load_expected() -> dict:
    path = SAMPLES / "expected.toml"
    if not path.exists():
        return {}
    try:
        import tomllib
    except ImportError:  # Python < 3.11: skip the consistency check
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def count_pdf_pages(path: Path, fallback: int) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf is optional; reportlab's own count is the fallback
        return fallback
    return len(PdfReader(str(path)).pages)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="sample stems to build (default: all)")
    args = ap.parse_args(argv)

    sources = sorted(SRC.glob("*.md"))
    if args.names:
        wanted = set(args.names)
        sources = [s for s in sources if s.stem in wanted]
        missing = wanted - {s.stem for s in sources}
        if missing:
            print(f"no such sample(s): {', '.join(sorted(missing))}", file=sys.stderr)
            return 2
    if not sources:
        print(f"no sources found in {SRC}", file=sys.stderr)
        return 2

    expected = _load_expected()
    width = max(len(s.stem) for s in sources)
    print(f"{'sample':<{width}}  pdf pages  words  expected page-limit")
    problems = 0
    for src in sources:
        doc = load(src)
        pdf_path = SAMPLES / f"{src.stem}.pdf"
        docx_path = SAMPLES / f"{src.stem}.docx"
        built = build_pdf(doc, pdf_path)
        pages = count_pdf_pages(pdf_path, built)
        build_docx(doc, docx_path, pages)
        words = len(src.read_text(encoding="utf-8").split())
        exp = expected.get(src.stem, {}).get("page-limit")
        note = "(no entry)" if exp is None else str(exp).lower()
        if exp is not None and exp != (pages <= PAGE_LIMIT):
            note += f"  MISMATCH: {pages} pages"
            problems += 1
        print(f"{src.stem:<{width}}  {pages:>9}  {words:>5}  {note}")
    if problems:
        print(f"{problems} sample(s) disagree with expected.toml page-limit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
