"""The styles part read by a scan (grader.readers.docx_stylescan) gives what parsing it whole gave.

The scan finds the top-level styles by their tags and parses a style only when it is read. These
tests hold it to the whole parse: on random well-formed parts, built to probe the places a scan by
bytes could go wrong (prefixes, quotes, a ``>`` inside a value, whitespace, styles nested in other
elements, the document defaults anywhere), and on real packages. A part the scan cannot index safely
must come back None, so the reader parses it whole; a hostile part must still refuse the file.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest
from builders import docx_file
from lxml import etree

from grader.document import Kind
from grader.errors import HostileDocument
from grader.readers import read_document
from grader.readers.docx_styles import PPR, RPR, StyleIndex, ppr_props, q, rpr_props
from grader.readers.docx_stylescan import scan_styles
from grader.readers.ooxml import safe_parser

ROOT = Path(__file__).resolve().parent.parent
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
IDS = ["Normal", "Title", "Heading1", "Caption", "TableGrid", "X", ""]


def _defaults(el):
    if el is None:
        return None
    return rpr_props(el.find(f"{q('rPrDefault')}/{RPR}")), ppr_props(el.find(f"{q('pPrDefault')}/{PPR}"))


def same_index(scanned: StyleIndex, whole: StyleIndex) -> None:
    """Everything the reader asks of an index answers alike, for every id either one knows."""
    assert scanned.default_para == whole.default_para
    assert _defaults(scanned.doc_defaults) == _defaults(whole.doc_defaults)
    for sid in {*IDS, *whole._top, *scanned._top, "Nope"}:
        assert (sid in scanned) == (sid in whole), sid
        assert scanned.name(sid) == whole.name(sid), sid
        if sid in whole:
            assert scanned[sid] == whole[sid], sid


def whole_index(data: bytes) -> StyleIndex | None:
    try:
        return StyleIndex(etree.fromstring(data, safe_parser()))
    except etree.XMLSyntaxError:
        return None


def random_part(r: random.Random, prefix: str = "w") -> tuple[bytes, bool]:
    """A random well-formed styles part, and whether a scan must take it (nothing in it asks for a whole parse)."""
    p = prefix
    ws = lambda: r.choice(["", "", "\n", "\r\n  ", " "])  # noqa: E731
    quote = r.choice(['"', "'"])
    scannable = True

    def attr(name: str, value: str) -> str:
        return f" {p}:{name}{r.choice(['=', ' = '])}{quote}{value}{quote}"

    def style() -> str:
        sid = r.choice(IDS)
        attrs = (attr("styleId", sid) if sid or r.random() < 0.5 else "")
        attrs += r.choice(["", attr("type", "paragraph"), attr("type", "character"), attr("type", "table"),
                           attr("default", "1"), attr("type", "paragraph") + attr("default", "on")])
        if r.random() < 0.2:
            attrs += attr("customStyle", "a>b/>c")  # a '>' inside a value is legal XML
        if r.random() < 0.15:
            return f"<{p}:style{attrs}{r.choice(['', ' '])}/>"
        name = r.choice(["", f'<{p}:name {p}:val="{r.choice(["heading 1", "Title", "", "caption", "Normal"])}"/>'])
        based = r.choice(["", f'<{p}:basedOn {p}:val="{r.choice(IDS)}"/>'])
        ppr = r.choice(["", f'<{p}:pPr><{p}:spacing {p}:after="{r.randint(0, 400)}" {p}:line="{r.randint(200, 480)}"/>'
                            f'<{p}:ind {p}:left="{r.randint(0, 720)}"/></{p}:pPr>'])
        rpr = r.choice(["", f'<{p}:rPr><{p}:b/><{p}:sz {p}:val="{r.randint(16, 40)}"/></{p}:rPr>'])
        tbl = r.choice(["", f'<{p}:tblPr><{p}:tblCellMar><{p}:left {p}:w="{r.randint(0, 200)}"/></{p}:tblCellMar></{p}:tblPr>'])
        return f"<{p}:style{attrs}>{ws()}{name}{based}{ppr}{ws()}{rpr}{tbl}</{p}:style{r.choice(['', ' '])}>"

    def defaults() -> str:
        return (f"<{p}:docDefaults><{p}:rPrDefault><{p}:rPr><{p}:sz {p}:val=\"{r.randint(16, 30)}\"/></{p}:rPr>"
                f"</{p}:rPrDefault><{p}:pPrDefault><{p}:pPr><{p}:spacing {p}:after=\"{r.randint(0, 300)}\"/>"
                f"</{p}:pPr></{p}:pPrDefault></{p}:docDefaults>")

    items = [style() for _ in range(r.randint(0, 10))]
    for _ in range(r.choice([0, 1, 1, 2])):
        items.insert(r.randint(0, len(items)), defaults())
    if r.random() < 0.5:
        latent = f"<{p}:latentStyles {p}:count=\"2\">" + f"<{p}:lsdException {p}:name=\"Normal\"/>" * 2
        if r.random() < 0.2:
            latent += style()  # a style inside another element: only a whole parse reads its name
            scannable = False
        items.insert(r.randint(0, len(items)), latent + f"</{p}:latentStyles>")
    if r.random() < 0.1:
        items.insert(r.randint(0, len(items)), f"<{p}:x>text &amp; more</{p}:x>")  # a reference: not scanned
        scannable = False
    body = "".join(ws() + item for item in items) + ws()
    decls = f'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:{p}="{W}"'
    if r.random() < 0.5:
        return (HEAD + f"\n<{p}:styles {decls}>{body}</{p}:styles>".encode()), scannable
    return (HEAD + f"<{p}:styles {decls}/>".encode()), False  # no styles at all: parsed whole


def test_a_scan_reads_random_parts_as_a_whole_parse_does():
    r = random.Random(5)
    scanned = 0
    for i in range(1500):
        data, scannable = random_part(r, prefix="w" if i % 3 else "x")
        whole = whole_index(data)
        assert whole is not None, data  # the generator only builds well-formed parts
        index = scan_styles(data)
        if scannable:
            assert index is not None, data
        if index is not None:
            same_index(index, whole)
            scanned += 1
    assert scanned > 500


@pytest.mark.parametrize("data", [
    HEAD + f'<w:styles xmlns:w="{W}"><!-- a comment --><w:style w:styleId="A"/></w:styles>'.encode(),
    HEAD + f'<w:styles xmlns:w="{W}"><?pi x?><w:style w:styleId="A"/></w:styles>'.encode(),
    HEAD + f'<w:styles xmlns:w="{W}"><w:style w:styleId="A&amp;B"/></w:styles>'.encode(),
    HEAD + f'<w:styles xmlns:w="{W}"><w:a><w:style w:styleId="A"/></w:a></w:styles>'.encode(),  # nested
    HEAD + f'<w:styles xmlns:w="{W}"><w:style w:styleId="A"><w:style w:styleId="B"/></w:style></w:styles>'.encode(),
    HEAD + f'<w:styles xmlns:w="{W}"><w:style w:styleId="A"><w:style w:styleId="B"></w:style></w:style></w:styles>'.encode(),
    HEAD + f'<w:styles xmlns:w="{W}"><w:style w:styleId="A"></w:style></w:style><w:style w:styleId="B"/></w:styles>'.encode(),
    HEAD + f'<w:styles xmlns:w="{W}"><w:style w:styleId="A"><w:a xmlns:w="urn:other"/></w:style></w:styles>'.encode(),
    HEAD + f'<styles xmlns="{W}"><style styleId="A"/></styles>'.encode(),  # no prefix
    HEAD + f'<w:styles xmlns:w="{W}" xmlns:v="{W}"><v:style w:styleId="A"/></w:styles>'.encode(),  # two prefixes
    b'<?xml version="1.0" encoding="UTF-16"?>' + f'<w:styles xmlns:w="{W}"/>'.encode(),
    f'<w:styles xmlns:w="{W}"><w:style w:styleId="A"/></w:styles>'.encode(),  # no declaration
    HEAD + f'<w:styles xmlns:w="{W}"><w:style w:styleId="A"/></w:styles>'.replace("styles xmlns:w", "styles xmlns:v").encode(),
])
def test_a_part_a_scan_cannot_read_safely_is_left_to_a_whole_parse(data):
    assert scan_styles(data) is None


@pytest.mark.parametrize("data", [
    HEAD + f'<w:styles xmlns:w="{W}"><w:styleX/><w:style w:styleId="A"><w:name w:val="a"/></w:style></w:styles>'.encode(),
    HEAD + f'<w:styles xmlns:w="{W}"><w:style w:styleId="A" w:x="</w:style>"/></w:styles>'.encode().replace(b'"</w:style>"', b'"/>"'),
    HEAD + f'<w:styles xmlns:w="{W}">\n<w:style w:styleId="A"\n  w:type="paragraph"\tw:default="1"></w:style >\n</w:styles>'.encode(),
    HEAD + f'<w:styles xmlns:w="{W}"><w:style w:styleId="A"/><w:docDefaults/><w:style w:styleId="A"><w:name w:val="b"/></w:style></w:styles>'.encode(),
])
def test_tricky_but_well_formed_parts_are_scanned_alike(data):
    index = scan_styles(data)
    assert index is not None
    same_index(index, whole_index(data))
    assert index.name("A") in ("a", "A", "b")


def test_a_style_nested_too_deep_for_the_parser_is_left_to_a_whole_parse():
    deep = "<w:a>" * 3000 + "</w:a>" * 3000
    data = HEAD + f'<w:styles xmlns:w="{W}"><w:style w:styleId="A">{deep}</w:style></w:styles>'.encode()
    assert scan_styles(data) is None
    between = f'<w:styles xmlns:w="{W}"><w:latentStyles>{deep}</w:latentStyles><w:style w:styleId="A"/></w:styles>'
    assert scan_styles(HEAD + between.encode()) is None


def _real_styles() -> list[tuple[str, bytes]]:
    found = []
    for folder in ("sample_submissions", "tests/docx_calibration", "tests/eval"):
        for path in sorted((ROOT / folder).rglob("*.docx")):
            try:
                with zipfile.ZipFile(path) as z:
                    found.append((path.name, z.read("word/styles.xml")))
            except (KeyError, zipfile.BadZipFile):
                continue
    return found


def test_a_scan_reads_the_real_styles_parts_as_a_whole_parse_does(tmp_path):
    parts = _real_styles()
    made = docx_file(tmp_path / "made.docx", [("title", "T"), ("heading", "H"), ("para", "Text.")])
    with zipfile.ZipFile(made) as z:
        parts.append(("python-docx template", z.read("word/styles.xml")))
    assert len(parts) >= 10
    for name, data in parts:
        index = scan_styles(data)
        assert index is not None, name
        same_index(index, whole_index(data))


# Through the reader: the same document, a hostile part still refused, a damaged one read as far as it goes


def _replace(src: Path, dst: Path, part: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == part else zin.read(info))
    return dst


@pytest.fixture(scope="module")
def headed(tmp_path_factory) -> Path:
    return docx_file(tmp_path_factory.mktemp("scan") / "headed.docx",
                     [("title", "Checkout"), ("heading", "Summary"), ("para", "We should launch one-tap checkout."),
                      ("heading", "Risk"), ("para", "The main risk is fraud.")])


def _styles_of(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("word/styles.xml")


def test_the_reader_gives_the_same_document_from_a_scanned_part(headed, monkeypatch):
    import grader.readers.docx_package as package

    scanned = read_document(headed, renderer="none")
    monkeypatch.setattr(package, "scan_styles", lambda data: None)  # every part parsed whole
    whole = read_document(headed, renderer="none")
    assert scanned == whole
    assert [b.kind for b in scanned.blocks][:2] == [Kind.TITLE, Kind.HEADING]


@pytest.mark.parametrize("body", [b"<w:a>" * 3000 + b"</w:a>" * 3000, b"<a>" * 3300])  # closed, and not
def test_a_hostile_style_nobody_reads_still_refuses_the_file_however_short(headed, tmp_path, body):
    data = _styles_of(headed)
    deep = b'<w:style w:type="table" w:styleId="Unused">' + body + b"</w:style>"
    at = data.rindex(b"</w:styles>")
    path = _replace(headed, tmp_path / "deep.docx", "word/styles.xml", data[:at] + deep + data[at:])
    with pytest.raises(HostileDocument):
        read_document(path, renderer="none")


def test_a_damaged_style_costs_that_style_only(headed, tmp_path):
    """A whole parse of a damaged part drops every style; the scan keeps the intact ones, and reads a damaged
    one as its start tag alone: no properties, and its id for a name."""
    data = _styles_of(headed)
    broken = data.replace(b'<w:style w:type="table" w:default="1" w:styleId="TableNormal">',
                          b'<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:mismatched>', 1)
    assert broken != data and whole_index(broken) is None
    index = scan_styles(broken)
    assert index is not None
    assert index.name("Heading1") == "heading 1"
    assert index["TableNormal"][2:4] == ({}, {}) and index.name("TableNormal") == "TableNormal"
    path = _replace(headed, tmp_path / "damaged.docx", "word/styles.xml", broken)
    doc = read_document(path, renderer="none")
    assert [(b.kind, b.text) for b in doc.blocks] == [(b.kind, b.text) for b in read_document(headed, renderer="none").blocks]
