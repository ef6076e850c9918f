"""Build real PDF and DOCX files inside the tests, from a list of (kind, text) blocks.

Three PDF producers: reportlab's platypus, reportlab's low-level canvas (one string per line,
justified and hyphenated by hand), and a hand-written minimal PDF with base-14 fonts.
"""

from __future__ import annotations

import zlib
from pathlib import Path

Blocks = list[tuple[str, str]]  # kind in title/heading/para/bullet/table/code/pagebreak; table text "a|b;c|d"


def docx_file(path: Path, blocks: Blocks, header: str = "", footer: str = "") -> Path:
    import docx

    d = docx.Document()
    if header:
        d.sections[0].header.paragraphs[0].text = header
    if footer:
        d.sections[0].footer.paragraphs[0].text = footer
    for kind, text in blocks:
        if kind == "title":
            d.add_paragraph(text, style="Title")
        elif kind == "heading":
            d.add_heading(text, level=1)
        elif kind == "bullet":
            d.add_paragraph(text, style="List Bullet")
        elif kind == "table":
            rows = [r.split("|") for r in text.split(";")]
            t = d.add_table(rows=len(rows), cols=len(rows[0]))
            for i, row in enumerate(rows):
                for j, cell in enumerate(row):
                    t.cell(i, j).text = cell
        elif kind == "pagebreak":
            d.add_page_break()
        elif kind == "bold":
            d.add_paragraph().add_run(text).bold = True
        else:
            d.add_paragraph(text)
    d.save(str(path))
    return path


def platypus_pdf(path: Path, blocks: Blocks, header: str = "", page_numbers: bool = True) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import ListFlowable, ListItem, PageBreak, Paragraph, Preformatted, SimpleDocTemplate, Table

    ss = getSampleStyleSheet()
    body = ss["BodyText"]

    def decorate(canvas, doc):
        canvas.setFont("Helvetica", 8)
        if header:
            canvas.drawString(72, A4[1] - 40, header)
        if page_numbers:
            canvas.drawString(A4[0] / 2, 30, f"Page {doc.page}")

    story = []
    for kind, text in blocks:
        if kind == "title":
            story.append(Paragraph(text, ss["Title"]))
        elif kind == "heading":
            story.append(Paragraph(text, ss["Heading2"]))
        elif kind == "bullet":
            story.append(ListFlowable([ListItem(Paragraph(text, body))], bulletType="bullet"))
        elif kind == "table":
            story.append(Table([r.split("|") for r in text.split(";")]))
        elif kind == "code":
            story.append(Preformatted(text, ss["Code"]))
        elif kind == "pagebreak":
            story.append(PageBreak())
        else:
            story.append(Paragraph(text, body))
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build(story, onFirstPage=decorate, onLaterPages=decorate)
    return path


def canvas_pdf(path: Path, pages: list[list[tuple[float, float, str, float, str]]]) -> Path:
    """Low-level: each page is a list of (x, y, font, size, text) lines drawn exactly there."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), invariant=1)
    for lines in pages:
        for x, y, font, size, text in lines:
            c.setFont(font, size)
            c.drawString(x, y, text)
        c.showPage()
    c.save()
    return path


def raw_pdf(path: Path, pages: list[list[tuple[float, float, str, float, str]]]) -> Path:
    """A minimal hand-written PDF (another producer): base-14 fonts, one Tj per line, Flate streams."""
    fonts = {"Helvetica": "F1", "Helvetica-Bold": "F2", "Courier": "F3", "Times-Roman": "F4"}
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font_ids = {name: add(f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>".encode())
                for name in fonts}
    font_res = " ".join(f"/{fonts[n]} {i} 0 R" for n, i in font_ids.items())
    pages_id = add(b"")  # placeholder
    kids = []
    for lines in pages:
        ops = []
        for x, y, font, size, text in lines:
            esc = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /{fonts[font]} {size} Tf 1 0 0 1 {x} {y} Tm ({esc}) Tj ET")
        data = zlib.compress("\n".join(ops).encode("cp1252"))
        content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        kids.append(add(f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 595 842] "
                        f"/Resources << /Font << {font_res} >> >> /Contents {content} 0 R >>".encode()))
    objects[pages_id - 1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    catalog = add(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def flow(text: str, width: int = 85) -> list[str]:
    """Wrap text into lines of at most ``width`` characters."""
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}".strip()
    if cur:
        lines.append(cur)
    return lines


def docx_from_markdown(path: Path, text: str) -> Path:
    """A DOCX holding the same title, headings, paragraphs and bullets as a mini-markdown draft."""
    from grader.document import Kind
    from grader.readers.text import parse_markdown

    kinds = {Kind.TITLE: "title", Kind.HEADING: "heading", Kind.LIST_ITEM: "bullet"}
    blocks = [(kinds.get(b.kind, "para"), b.text) for b in parse_markdown(text).blocks if b.kind is not Kind.TABLE_CELL]
    path.parent.mkdir(parents=True, exist_ok=True)
    return docx_file(path, blocks)
