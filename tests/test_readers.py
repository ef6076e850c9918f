"""The PDF and DOCX readers on files built here: three PDF producers (reportlab platypus, reportlab
canvas, a hand-written PDF) and python-docx, plus package surgery for the cases Word produces and
python-docx cannot (tracked changes, text boxes, .docm, Strict Open XML, hostile XML)."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from builders import canvas_pdf, docx_file, platypus_pdf, raw_pdf
from spies import refuse_decompression, spy_page_prefix

from grader.document import Kind
from grader.errors import EncryptedDocument, HostileDocument, OversizedDocument, UnreadableDocument
from grader.readers import read_document

RECOMMENDATION = ("Our recommendation is to launch the instalment product in Germany first, because the pilot shows "
                  "a strong uplift in conversion for baskets above fifty euros and the credit risk stays contained.")
SUPPORT = ("The pilot ran for eight weeks with forty merchants, and the uplift held in every merchant category "
           "we measured, including the low-margin electronics segment where we expected it to fade.")
CASE = [
    ("title", "Pay Later Expansion"),
    ("para", "Jane Doe"),
    ("para", "12 March 2024"),
    ("para", "Take-home case study"),
    ("heading", "Executive summary"),
    ("para", RECOMMENDATION),
    ("bullet", "Launch in Germany in Q3"),
    ("bullet", "Cap exposure at 2 million euros"),
    ("heading", "Risks and mitigations"),
    ("table", "Risk|Mitigation;Fraud spikes|Stricter limits;Low uptake|Merchant incentives"),
    ("para", SUPPORT),
    ("pagebreak", ""),
    ("heading", "Appendix"),
    ("para", SUPPORT),
    ("code", "SELECT merchant_id, uplift FROM pilot;"),
]
H, B = "Helvetica", "Helvetica-Bold"


def texts(doc, *kinds: Kind) -> list[str]:
    return [b.text for b in doc.blocks if not kinds or b.kind in kinds]


def rows(doc, table: int = 0) -> list[list[str]]:
    out: dict[int, list[str]] = {}
    for b in doc.blocks:
        if b.kind is Kind.TABLE_CELL and b.table == table:
            out.setdefault(b.row, []).append(b.text)
    return [out[r] for r in sorted(out)]


def block(doc, text: str):
    found = [b for b in doc.blocks if text in b.text]
    assert found, f"{text!r} not in {texts(doc)}"
    return found[0]


def png(path: Path, width: int = 8, height: int = 6) -> Path:
    """A tiny valid PNG, written by hand."""
    raw = b"".join(b"\x00" + b"\x30\x60\x90" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def rewrite(src: Path, dst: Path, edit) -> Path:
    """Copy an OOXML package, passing each part through ``edit(name, data) -> data | None``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


# PDF: platypus ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def platypus_doc(tmp_path_factory):
    path = platypus_pdf(tmp_path_factory.mktemp("platypus") / "case.pdf", CASE, header="Confidential draft")
    return read_document(path)


def test_pdf_title_and_headings(platypus_doc):
    assert texts(platypus_doc, Kind.TITLE) == ["Pay Later Expansion"]
    assert texts(platypus_doc, Kind.HEADING) == ["Executive summary", "Risks and mitigations", "Appendix"]


def test_pdf_list_items_lose_their_bullets(platypus_doc):
    assert texts(platypus_doc, Kind.LIST_ITEM) == ["Launch in Germany in Q3", "Cap exposure at 2 million euros"]


def test_pdf_table_is_read_as_rows(platypus_doc):
    assert rows(platypus_doc) == [["Risk", "Mitigation"], ["Fraud spikes", "Stricter limits"],
                                  ["Low uptake", "Merchant incentives"]]
    assert platypus_doc.table_count == 1


def test_pdf_running_header_and_page_numbers_are_not_body(platypus_doc):
    everything = " ".join(texts(platypus_doc))
    assert "Confidential draft" not in everything
    assert not re.search(r"\bPage \d", everything)
    assert platypus_doc.page_count == 2


def test_pdf_cover_block_is_cover_not_body(platypus_doc):
    for words in ("Jane Doe", "12 March 2024", "Take-home case study"):
        assert block(platypus_doc, words).kind is Kind.COVER
    first = platypus_doc.body[0]
    assert first.text.startswith("Our recommendation") and first.paragraph == 1


def test_pdf_blocks_carry_their_page(platypus_doc):
    assert block(platypus_doc, "Our recommendation").page == 1
    assert block(platypus_doc, "Appendix").page == 2
    assert block(platypus_doc, "SELECT merchant_id").page == 2


def test_pdf_monospaced_text_is_code(platypus_doc):
    assert block(platypus_doc, "SELECT merchant_id").kind is Kind.CODE


def test_pdf_paragraph_lines_are_one_block(platypus_doc):
    assert RECOMMENDATION in texts(platypus_doc, Kind.PARAGRAPH)


def test_pdf_figures_are_counted(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate

    ss = getSampleStyleSheet()
    image = png(tmp_path / "chart.png")
    path = tmp_path / "figures.pdf"
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build(
        [Paragraph(RECOMMENDATION, ss["BodyText"]), Image(str(image), 100, 75),
         Paragraph("Figure 1: Conversion uplift by basket size.", ss["BodyText"]), Paragraph(SUPPORT, ss["BodyText"])])
    doc = read_document(path)
    assert doc.figure_count == 1
    assert block(doc, "Figure 1").kind is Kind.CAPTION


# PDF: canvas and the hand-written producer -----------------------------------------------------


def _page(number: int, body: list[tuple[str, float, str]]) -> list[tuple[float, float, str, float, str]]:
    lines = [(72, 800, H, 8, "Acme Corp - Pay Later case study"), (72, 40, H, 8, f"Page {number} of 2")]
    y = 760.0
    for font, size, text in body:
        lines.append((72, y, font, size, text))
        y -= size * 1.25 if size < 12 else size * 2
    return lines


HYPHENATED = [
    (B, 16, "Executive summary"),
    (H, 10, "We recommend a data-driven rollout: the team should launch in Germany first and"),
    (H, 10, "then expand to the Nordics. A data-"),
    (H, 10, "driven approach lets us recom-"),
    (H, 10, "mend the next market with confidence and limit the downside of each launch."),
]
SECOND = [
    (B, 12, "Risks"),
    (H, 10, "• Fraud could spike after launch, so limits start low and rise with history."),
    (H, 10, "• Merchants may not adopt the product quickly enough to reach the target."),
    (H, 10, "We review both every week with the risk team and adjust the limits as needed."),
]


@pytest.fixture(scope="module", params=["canvas", "raw"])
def drawn_doc(request, tmp_path_factory):
    build = canvas_pdf if request.param == "canvas" else raw_pdf
    path = build(tmp_path_factory.mktemp(request.param) / "drawn.pdf", [_page(1, HYPHENATED), _page(2, SECOND)])
    return read_document(path)


def test_hyphenated_line_ends_are_joined(drawn_doc):
    text = " ".join(texts(drawn_doc))
    assert text.count("data-driven") == 2  # the compound is used elsewhere, so its hyphen stays
    assert "recommend the next market" in text
    assert "recom-" not in text and "recom mend" not in text


def test_running_heads_and_page_x_of_y_are_dropped(drawn_doc):
    text = " ".join(texts(drawn_doc))
    assert "Acme Corp" not in text and "of 2" not in text
    assert drawn_doc.page_count == 2


def test_drawn_bullets_and_bold_headings(drawn_doc):
    assert [t.split(",")[0] for t in texts(drawn_doc, Kind.LIST_ITEM)] == [
        "Fraud could spike after launch", "Merchants may not adopt the product quickly enough to reach the target."]
    assert "Risks" in texts(drawn_doc, Kind.HEADING)
    assert block(drawn_doc, "Risks").page == 2
    assert block(drawn_doc, "We review both").kind is Kind.PARAGRAPH


def test_drawn_hyphen_paragraph_is_one_block(drawn_doc):
    para = block(drawn_doc, "We recommend")
    assert para.text.endswith("limit the downside of each launch.")


def _numbered_pages(n: int) -> list:
    return [[(72, 760, H, 10, f"Section {i + 1} explains one more part of the rollout plan for this market."),
             (72, 745, H, 10, "It is generated so that every page holds the same amount of plain text.")]
            for i in range(n)]


def test_a_long_pdf_is_read_as_a_bounded_prefix(tmp_path):
    doc = read_document(raw_pdf(tmp_path / "long.pdf", _numbered_pages(60)), max_pages=5)
    assert doc.page_count == 60
    assert doc.truncated_after_page == 5
    assert any("first 5 of 60 pages" in n for n in doc.notes)
    assert max(b.page for b in doc.blocks) == 5


def test_a_huge_page_tree_is_counted_from_its_root(tmp_path, monkeypatch):
    path = raw_pdf(tmp_path / "huge.pdf", _numbered_pages(6000))
    walks = spy_page_prefix(monkeypatch)
    doc = read_document(path, max_pages=3)
    assert doc.page_count == 6000 and doc.truncated_after_page == 3
    [(pages, total, exact, _)] = walks
    assert (len(pages), total, exact) == (3, 6000, False)  # 3 pages built; the rest counted from /Count


def test_a_small_lying_page_count_is_not_believed(tmp_path):
    path = raw_pdf(tmp_path / "lie.pdf", _numbered_pages(30))
    data = path.read_bytes()
    assert b"/Count 30 " in data
    path.write_bytes(data.replace(b"/Count 30 ", b"/Count 99 "))  # same length: offsets stay valid
    assert read_document(path, max_pages=5).page_count == 30


def test_encrypted_pdf_with_a_user_password_is_refused(tmp_path):
    import pypdf

    writer = pypdf.PdfWriter(clone_from=str(raw_pdf(tmp_path / "plain.pdf", _numbered_pages(2))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(EncryptedDocument, match="password-protected") as err:
        read_document(locked)
    assert "unprotected" in err.value.line()


def test_encrypted_pdf_with_an_empty_user_password_is_read(tmp_path):
    import pypdf

    writer = pypdf.PdfWriter(clone_from=str(raw_pdf(tmp_path / "plain.pdf", _numbered_pages(2))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    path = tmp_path / "open.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    assert read_document(path).page_count == 2


def test_a_pdf_without_text_has_no_text_layer(tmp_path):
    from grader.errors import NoTextLayer

    path = raw_pdf(tmp_path / "blank.pdf", [[], []])
    with pytest.raises(NoTextLayer, match="no text layer"):
        read_document(path)


def test_pypdf_log_lines_never_reach_stderr(tmp_path, capfd):
    path = raw_pdf(tmp_path / "broken.pdf", _numbered_pages(3))
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b"xref")] + b"xref\ngarbage\n%%EOF\n")  # pypdf repairs, and logs it
    read_document(path)
    assert capfd.readouterr().err == ""


# DOCX ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def docx_doc(tmp_path_factory):
    path = docx_file(tmp_path_factory.mktemp("docx") / "case.docx", CASE, header="Header text", footer="Footer text 7")
    return read_document(path)


def test_docx_title_headings_lists(docx_doc):
    assert texts(docx_doc, Kind.TITLE) == ["Pay Later Expansion"]
    assert texts(docx_doc, Kind.HEADING) == ["Executive summary", "Risks and mitigations", "Appendix"]
    assert all(b.level == 1 for b in docx_doc.blocks if b.kind is Kind.HEADING)
    assert texts(docx_doc, Kind.LIST_ITEM) == ["Launch in Germany in Q3", "Cap exposure at 2 million euros"]


def test_docx_headers_and_footers_are_kept_out_of_the_body(docx_doc):
    everything = " ".join(texts(docx_doc))
    assert "Header text" not in everything and "Footer text" not in everything


def test_docx_cover_block(docx_doc):
    assert [b.kind for b in docx_doc.blocks[1:4]] == [Kind.COVER] * 3
    assert docx_doc.body[0].text == RECOMMENDATION and docx_doc.body[0].paragraph == 1


def test_docx_table_rows_and_pages(docx_doc):
    assert rows(docx_doc) == [["Risk", "Mitigation"], ["Fraud spikes", "Stricter limits"],
                              ["Low uptake", "Merchant incentives"]]
    assert docx_doc.table_count == 1
    assert block(docx_doc, "Appendix").page == 2
    assert block(docx_doc, "Executive summary").page == 1
    assert docx_doc.page_count == 2


def test_docx_body_order_with_tables_interleaved(tmp_path):
    path = docx_file(tmp_path / "order.docx", [
        ("para", "Alpha paragraph before any table."), ("table", "a1|a2;a3|a4"),
        ("para", "Bravo paragraph between the tables."), ("table", "b1|b2"),
        ("para", "Charlie paragraph after the tables."),
    ])
    doc = read_document(path)
    order = [b.text if b.kind is not Kind.TABLE_CELL else f"t{b.table}:{b.text}" for b in doc.blocks]
    assert order == ["Alpha paragraph before any table.", "t0:a1", "t0:a2", "t0:a3", "t0:a4",
                     "Bravo paragraph between the tables.", "t1:b1", "t1:b2", "Charlie paragraph after the tables."]
    assert doc.table_count == 2
    assert rows(doc, 0) == [["a1", "a2"], ["a3", "a4"]]


def test_docx_bold_line_is_a_heading(tmp_path):
    doc = read_document(docx_file(tmp_path / "bold.docx", [("bold", "Key numbers"), ("para", RECOMMENDATION)]))
    heading = block(doc, "Key numbers")
    assert heading.kind in (Kind.HEADING, Kind.TITLE)


def test_docx_figures_are_counted(tmp_path):
    import docx
    from docx.shared import Cm

    image = png(tmp_path / "chart.png")
    d = docx.Document()
    d.add_paragraph(RECOMMENDATION)
    d.add_picture(str(image), width=Cm(4))
    d.add_paragraph("Figure 1: Conversion uplift by basket size.", style="Caption")
    d.add_picture(str(image), width=Cm(4))
    d.save(str(tmp_path / "figures.docx"))
    doc = read_document(tmp_path / "figures.docx")
    assert doc.figure_count == 2
    assert block(doc, "Figure 1").kind is Kind.CAPTION


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _with_body_xml(tmp_path: Path, name: str, fragment: str) -> Path:
    """A python-docx document whose body gets ``fragment`` (w: prefixed XML) before the section properties."""
    base = docx_file(tmp_path / "base.docx", [("para", RECOMMENDATION)])

    def edit(part, data):
        if part == "word/document.xml":
            return data.replace(b"<w:sectPr", fragment.encode() + b"<w:sectPr", 1)
        return data

    return rewrite(base, tmp_path / name, edit)


def test_docx_tracked_insertions_count_and_deletions_do_not(tmp_path):
    path = _with_body_xml(tmp_path, "tracked.docx", (
        '<w:p><w:r><w:t xml:space="preserve">We will launch </w:t></w:r>'
        '<w:ins w:id="1" w:author="a" w:date="2024-01-01T00:00:00Z"><w:r><w:t xml:space="preserve">in Germany </w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="a" w:date="2024-01-01T00:00:00Z"><w:r><w:delText xml:space="preserve">in France </w:delText></w:r></w:del>'
        '<w:r><w:t>next quarter.</w:t></w:r></w:p>'))
    doc = read_document(path)
    assert "We will launch in Germany next quarter." in texts(doc)
    assert "France" not in " ".join(texts(doc))


def test_docx_text_box_text_is_read(tmp_path):
    path = _with_body_xml(tmp_path, "textbox.docx", (
        '<w:p><w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml" style="width:200pt;height:50pt">'
        '<v:textbox><w:txbxContent><w:p><w:r><w:t>Net impact: 2.4 million euros a year</w:t></w:r></w:p>'
        '</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>'))
    doc = read_document(path)
    assert "Net impact: 2.4 million euros a year" in texts(doc)
    assert doc.figure_count == 0  # a text box is not a figure


def test_docm_and_dotx_are_read(tmp_path):
    base = docx_file(tmp_path / "base.docx", CASE)
    main_ct = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    for suffix, ct, word in ((".docm", b"application/vnd.ms-word.document.macroEnabled.main+xml", "macro"),
                             (".dotx", b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
                              "template")):
        path = rewrite(base, tmp_path / f"case{suffix}",
                       lambda part, data, ct=ct: data.replace(main_ct, ct) if part == "[Content_Types].xml" else data)
        doc = read_document(path)
        assert texts(doc, Kind.HEADING) == ["Executive summary", "Risks and mitigations", "Appendix"]
        assert any(word in n for n in doc.notes)


def test_strict_open_xml_is_read(tmp_path):
    base = docx_file(tmp_path / "base.docx", CASE)
    swaps = [(b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
              b"http://purl.oclc.org/ooxml/wordprocessingml/main"),
             (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
              b"http://purl.oclc.org/ooxml/officeDocument/relationships")]

    def edit(part, data):
        for old, new in swaps:
            data = data.replace(old, new)
        return data

    doc = read_document(rewrite(base, tmp_path / "strict.docx", edit))
    assert texts(doc, Kind.HEADING) == ["Executive summary", "Risks and mitigations", "Appendix"]
    assert rows(doc)[1] == ["Fraud spikes", "Stricter limits"]
    assert any("Strict" in n for n in doc.notes)


def test_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    base = docx_file(tmp_path / "base.docx", [("para", RECOMMENDATION)])

    def edit(part, data):
        if part == "word/document.xml":
            decl, rest = data.split(b"?>", 1)
            doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'.encode()
            return decl + b"?>" + doctype + rest.replace(b"Our recommendation", b"&xxe; Our recommendation", 1)
        return data

    with pytest.raises(HostileDocument, match="DOCTYPE") as err:
        read_document(rewrite(base, tmp_path / "xxe.docx", edit))
    assert "TOP-SECRET" not in err.value.line()


def test_a_zip_bomb_is_refused_from_declared_sizes(tmp_path, monkeypatch):
    base = docx_file(tmp_path / "base.docx", [("para", RECOMMENDATION)])
    padding = b" " * (40 * 2**20)
    bomb = rewrite(base, tmp_path / "bomb.docx",
                   lambda part, data: data.replace(b"<w:body>", b"<w:body>" + padding) if part == "word/document.xml"
                   else data)
    refuse_decompression(monkeypatch)
    with pytest.raises(HostileDocument, match="zip bomb"):
        read_document(bomb)


def test_an_oversized_main_part_is_refused(tmp_path):
    base = docx_file(tmp_path / "base.docx", [("para", RECOMMENDATION)])
    big = tmp_path / "big.docx"
    para = f"<w:p><w:r><w:t>{SUPPORT}</w:t></w:r></w:p>".encode()
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + para * (17 * 2**20 // len(para)))
            zout.writestr(info.filename, data)
    with pytest.raises(OversizedDocument, match="MiB"):
        read_document(big)


def test_a_docx_without_text_says_so(tmp_path):
    with pytest.raises(UnreadableDocument, match="contains no text"):
        read_document(docx_file(tmp_path / "empty.docx", []))


def test_wrong_extensions_are_read_by_content(tmp_path):
    pdf = raw_pdf(tmp_path / "real.pdf", _numbered_pages(2))
    disguised = tmp_path / "draft.docx"
    disguised.write_bytes(pdf.read_bytes())
    doc = read_document(disguised)
    assert doc.format == "pdf" and any("read as a PDF" in n for n in doc.notes)
    word = docx_file(tmp_path / "real.docx", CASE)
    renamed = tmp_path / "draft.pdf"
    renamed.write_bytes(word.read_bytes())
    doc = read_document(renamed)
    assert doc.format == "docx" and any("read as a Word document" in n for n in doc.notes)


def test_an_encrypted_word_file_is_named_as_such(tmp_path):
    # An encrypted OOXML file is an OLE compound file holding an "EncryptedPackage" stream.
    fake = tmp_path / "locked.docx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(EncryptedDocument, match="password"):
        read_document(fake)
