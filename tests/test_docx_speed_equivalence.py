"""The fast DOCX reader gives what the straightforward one gave.

The reader reads a style only when a paragraph asks for it, leaves the theme and numbering parts
unparsed until the page estimate needs them, reads property elements in one pass over their children,
and breaks lines with its state in local variables. Each shortcut is checked here against the plain
version it replaced, kept in this file as the reference: on random inputs for the line breaking and
the property readers, and on real packages for the parts left for later, which must still refuse a
hostile file and still only cost precision when damaged.
"""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import pytest
from builders import docx_file
from lxml import etree

from grader.document import Kind
from grader.errors import HostileDocument
from grader.readers import read_document
from grader.readers.docx_styles import StyleIndex, first_children, ppr_props, q, rpr_props
from grader.readers.docx_wrap import TAB_STOP, font, wrap

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = f'xmlns:w="{W}"'
FAMILIES = ["carlito", "caladea", "liberation-sans", "liberation-serif", "liberation-mono", "dejavu-sans"]
WORDS = ["a", "the", "checkout", "€2.3M", "x" * 80, "supercalifragilistic" * 4, "é×·", "W" * 30, "—"]


# Line breaking: the reference is the version with its state in a dict ------------------------------


def reference_wrap(atoms, first_avail, avail, ppr, mark_font):
    rule, spacing = ppr.get("rule", "auto"), ppr.get("line", 1.0)
    pieces, lines, floats = [], [], 0.0
    st = {"x": 0.0, "h": 0.0, "img": 0.0, "has": False, "word": 0.0, "wh": 0.0, "space": 0.0}

    def natural(f):
        return font(f[0]).height * f[1]

    def height():
        text_h = st["h"] or natural(mark_font)
        if rule == "exact":
            return spacing
        if rule == "auto":
            return max(text_h * spacing, st["img"] + (spacing - 1.0) * text_h)
        return max(text_h, spacing, st["img"])

    def width_now():
        return first_avail if not lines and not pieces else avail

    def end_line():
        lines.append(height())
        st.update(x=0.0, h=0.0, img=0.0, has=False, space=0.0)

    def flush():
        w = st["word"]
        if not w:
            return
        limit = width_now()
        if st["has"] and st["x"] + st["space"] + w > limit:
            end_line()
            limit = width_now()
        while w > limit:
            st["h"] = max(st["h"], st["wh"])
            st["has"] = True
            end_line()
            w -= limit
            limit = width_now()
        st["x"] += (st["space"] if st["has"] else 0.0) + w
        st["h"] = max(st["h"], st["wh"])
        st.update(has=True, word=0.0, wh=0.0, space=0.0)

    for atom in atoms:
        kind = atom[0]
        if kind == "text":
            _, text, f = atom
            family, size, bold, caps, extra = f
            for tok in re.findall(r" +|[^ ]+", text.upper() if caps else text):
                if tok[0] == " ":
                    flush()
                    st["space"] += len(tok) * (font(family).width(" ", bold) * size + extra)
                else:
                    st["word"] += font(family).width(tok, bold) * size + extra * len(tok)
                    st["wh"] = max(st["wh"], natural(f))
        elif kind == "tab":
            flush()
            st["x"] = (int((st["x"] + st["space"]) / TAB_STOP) + 1) * TAB_STOP
            st.update(has=True, space=0.0)
            st["h"] = max(st["h"], natural(atom[1]))
            if st["x"] > width_now():
                end_line()
        elif kind == "br":
            flush()
            st["h"] = st["h"] or natural(atom[1])
            end_line()
        elif kind == "page":
            flush()
            if st["has"] or not lines:
                end_line()
            pieces.append(lines)
            lines = []
        elif kind == "img":
            flush()
            _, w, h = atom
            if st["has"] and st["x"] + st["space"] + w > width_now():
                end_line()
            st["x"] += w
            st["img"] = max(st["img"], h)
            st["has"] = True
        elif kind == "float":
            floats += atom[1]
    flush()
    if st["has"] or (not lines and not pieces):
        end_line()
    pieces.append(lines)
    return pieces, floats


def _font(r):
    return (r.choice(FAMILIES), r.choice([10.0, 11.0, 0.5, 72.0, r.uniform(1, 40)]), r.random() < 0.3,
            r.random() < 0.2, r.choice([0.0, 0.0, -0.0, 0.5, -1.0, r.uniform(-2, 2)]))


def _atoms(r):
    out = []
    for _ in range(r.randint(0, 10)):
        k = r.random()
        if k < 0.55:
            text = "".join(r.choice(WORDS) + " " * r.choice([1, 1, 2, 5]) for _ in range(r.randint(0, 25)))
            out.append(("text", r.choice(["", " "]) + text, _font(r)))
        elif k < 0.65:
            out.append(("tab", _font(r)))
        elif k < 0.72:
            out.append(("br", _font(r)))
        elif k < 0.78:
            out.append(("page",))
        elif k < 0.9:
            out.append(("img", r.choice([0.0, 50.0, 400.0, float("nan")]), r.choice([0.0, 20.0, 300.0])))
        else:
            out.append(("float", r.choice([0.0, 100.0])))
    return out


def test_line_breaking_gives_the_reference_line_heights_to_the_bit():
    r = random.Random(20240601)
    for _ in range(3000):
        atoms = _atoms(r)
        avail = r.choice([100.0, 468.0, 18.0, r.uniform(18, 600)])
        first = r.choice([avail, avail - 36.0, avail + 18.0, 18.0])  # first-line indents and hanging ones
        ppr = {}
        if r.random() < 0.6:
            ppr = {"rule": r.choice(["auto", "exact", "atLeast"]),
                   "line": r.choice([1.0, 1.15, 2.0, 0.5, 12.0, 0.0, float("nan")])}
        mark = _font(r)
        # repr compares floats bit for bit (and nan with nan); a nan tab position fails both alike
        assert _outcome(wrap, atoms, first, avail, ppr, mark) == _outcome(reference_wrap, atoms, first, avail, ppr, mark)


def _outcome(fn, *args) -> str:
    try:
        return repr(fn(*args))
    except (ArithmeticError, ValueError) as exc:  # what the page estimate falls back to the word count on
        return type(exc).__name__


# Property elements: one pass over the children reads what find() did -------------------------------

PROPS = ['<w:spacing w:before="{n}" w:after="{n}" w:line="{n}" w:lineRule="{rule}"/>', '<w:ind w:left="{n}" w:hanging="{n}"/>',
         '<w:ind w:start="{n}" w:firstLine="{n}"/>', '<w:keepNext w:val="{flag}"/>', '<w:widowControl/>',
         '<w:numPr><w:ilvl w:val="{n}"/><w:numId w:val="{n}"/></w:numPr>', '<w:sz w:val="{n}"/>',
         '<w:rFonts w:ascii="Arial"/>', '<w:rFonts w:asciiTheme="majorHAnsi"/>', '<w:b w:val="{flag}"/>',
         '<w:caps/>', '<w:pBdr><w:top w:val="single" w:sz="{n}" w:space="{n}"/></w:pBdr>', '<w:x/>']


def test_property_readers_take_the_first_of_repeated_children():
    r = random.Random(7)
    for _ in range(500):
        kids = "".join(r.choice(PROPS).format(n=r.choice(["0", "240", "-120", "x", "1e400", "nan"]),
                                              rule=r.choice(["auto", "exact"]), flag=r.choice(["0", "1", "off"]))
                       for _ in range(r.randint(0, 12)))
        el = etree.fromstring(f"<w:pPr {NS}>{kids}</w:pPr>")
        firsts = first_children(el)
        for child in el:
            assert firsts[child.tag] is el.find(child.tag)
        assert repr(ppr_props(el)) == repr(ppr_props(etree.fromstring(etree.tostring(el))))
        assert isinstance(rpr_props(el), dict)


# Styles: read when asked for, as the eager table read them ------------------------------------------


def eager_names(root) -> dict:
    """The body reader's old style table: every style at any depth, the last of an id winning."""
    table = {}
    for st in root.iter(q("style")):
        sid = st.get(q("styleId"))
        name = st.find(q("name"))
        if sid:
            table[sid] = (name.get(q("val")) if name is not None else sid) or sid
    return table


def test_style_index_matches_the_eager_tables():
    r = random.Random(11)
    ids = ["Normal", "Title", "Heading1", "Caption", "X", ""]
    for _ in range(300):
        styles = []
        for _ in range(r.randint(0, 12)):
            sid = r.choice(ids)
            attrs = (f' w:styleId="{sid}"' if sid or r.random() < 0.5 else "") + r.choice(
                ["", ' w:type="paragraph"', ' w:type="character"', ' w:default="1"', ' w:type="paragraph" w:default="on"'])
            name = r.choice(["", f'<w:name w:val="{r.choice(["heading 1", "Title", "", "caption"])}"/>'])
            based = r.choice(["", f'<w:basedOn w:val="{r.choice(ids)}"/>'])
            el = f'<w:style{attrs}>{name}{based}<w:pPr><w:spacing w:after="{r.randint(0, 400)}"/></w:pPr></w:style>'
            styles.append(f"<w:latentStyles>{el}</w:latentStyles>" if r.random() < 0.1 else el)
        root = etree.fromstring(f"<w:styles {NS}>{''.join(styles)}</w:styles>")
        index = StyleIndex(root)
        names = eager_names(root)
        top = {}
        default = ""
        for st in root.iterchildren(q("style")):
            sid = st.get(q("styleId"))
            if sid:
                top[sid] = st
                if (st.get(q("type")) or "paragraph") == "paragraph" and st.get(q("default")) in ("1", "true", "on"):
                    default = sid
        assert index.default_para == default
        for sid in ids + ["Nope"]:
            assert index.name(sid) == names.get(sid, sid)
            assert (sid in index) == (sid in top)
            if sid in top:
                based = top[sid].find(q("basedOn"))
                assert index[sid][:4] == (top[sid].get(q("type")) or "paragraph",
                                          based.get(q("val")) if based is not None else None,
                                          ppr_props(top[sid].find(q("pPr"))), rpr_props(top[sid].find(q("rPr"))))


# Optional parts left for later still refuse a hostile file, and a damaged one still only costs precision


@pytest.fixture(scope="module")
def listed(tmp_path_factory) -> Path:
    return docx_file(tmp_path_factory.mktemp("lazy") / "listed.docx",
                     [("title", "Checkout"), ("heading", "Summary"), ("bullet", "First point"),
                      ("bullet", "Second point"), ("para", "We should launch one-tap checkout first.")])


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    return docx_file(tmp_path_factory.mktemp("lazy") / "plain.docx",
                     [("title", "Checkout"), ("para", "We should launch one-tap checkout first.")])


def _replace(src: Path, dst: Path, part: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == part else zin.read(info))
    return dst


HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


@pytest.mark.parametrize("part", ["word/numbering.xml", "word/theme/theme1.xml"])
@pytest.mark.parametrize("body", [
    b"<w:numbering " + NS.encode() + b">" + b"<w:a>" * 3000 + b"</w:a>" * 3000 + b"</w:numbering>",  # too deep
    b"<w:numbering " + NS.encode() + b"><w:a>&undefined;</w:a></w:numbering>",  # an entity
    b"<!--" + b"x" * 70000 + b"--><!DOCTYPE x><w:numbering " + NS.encode() + b"/>",  # a DOCTYPE past the head
])
def test_a_hostile_optional_part_still_refuses_the_file(listed, plain, tmp_path, part, body):
    path = _replace(plain, tmp_path / "hostile.docx", part, HEAD + body)  # no lists: numbering is never needed
    with pytest.raises(HostileDocument):
        read_document(path, renderer="none")
    path = _replace(listed, tmp_path / "hostile.docx", part, HEAD + body)
    with pytest.raises(HostileDocument):
        read_document(path, renderer="none")


@pytest.mark.parametrize("part", ["word/numbering.xml", "word/theme/theme1.xml"])
@pytest.mark.parametrize("data", [b"", HEAD + b"<w:numbering " + NS.encode() + b"><w:a></w:numbering>", b"not xml"])
def test_a_damaged_optional_part_only_costs_precision(listed, tmp_path, part, data):
    path = _replace(listed, tmp_path / "damaged.docx", part, data)
    doc = read_document(path, renderer="none")
    intact = read_document(listed, renderer="none")
    assert [(b.kind, b.text) for b in doc.blocks] == [(b.kind, b.text) for b in intact.blocks]
    assert Kind.LIST_ITEM in {b.kind for b in doc.blocks}
