"""Fuzzing the readers: a mutated PDF or DOCX is read (and graded) or refused with a GraderError.

Seeds are small valid files built with ``builders``. Each example mutates one seed, either its bytes
(bit flips, truncation, inserted, deleted and duplicated runs) or its structure: for a PDF the
objects (cross-reference offsets, /Length, /Count, content streams, fonts, page tree, endobj and
endstream, object numbers, trailer), for a DOCX the parts of the ZIP and the XML inside them
(elements dropped, duplicated, reordered, renamed or nested deep, attributes corrupted, huge text,
parts removed, renamed or replaced). The property: ``read_document`` returns a Document or raises a
GraderError, never anything else; a Document then grades without an exception; and each example
finishes within ``MAX_SECONDS`` without a jump in peak memory.

Examples are derandomized with no database, so CI runs the same 2,250 cases every time;
``GRADER_FUZZ_SCALE=15`` runs fifteen times as many new ones. The failure types are what is asserted,
never the messages. ``--hypothesis-show-statistics`` shows how often each outcome occurred. The crashes
found so far are regression tests at the end, each with its smallest reproducer.
"""

from __future__ import annotations

import copy
import functools
import io
import os
import re
import resource
import signal
import struct
import tempfile
import time
import tracemalloc
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from builders import canvas_pdf, docx_file, platypus_pdf, raw_pdf
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from grader.errors import GraderError, HostileDocument, UnreadableDocument
from grader.grading import grade_document
from grader.readers import read_document
from grader.rubric import load_rubric

MAX_SECONDS = 10.0  # one example: a normal one takes well under 0.1 s
HANG_SECONDS = 60.0  # SIGALRM safety net, so a real hang fails the test instead of stalling CI
MAX_RSS_GROWTH_MB = 400  # peak RSS may not jump by more than this in one example


SCALE = float(os.environ.get("GRADER_FUZZ_SCALE", "1"))  # e.g. 20 for a long exploratory run


def fuzz_settings(examples: int) -> settings:
    """Derandomized with no database, so CI runs the same examples every time; a GRADER_FUZZ_SCALE other
    than 1 multiplies the examples and draws new ones on every run, to look for new failures locally.
    Files are built inside the test body; too_slow is suppressed because the examples that build
    multi-megabyte parts (huge text, thousands of copies, a 20 MiB part) are slow by design."""
    return settings(max_examples=max(1, round(examples * SCALE)), derandomize=SCALE == 1, database=None,
                    deadline=None, print_blob=False, suppress_health_check=[HealthCheck.too_slow])


# Seeds -----------------------------------------------------------------------------------------

RECOMMENDATION = ("We recommend launching the instalment product in Germany first: the pilot lifted conversion "
                  "on baskets above fifty euros, worth about €2.3M in revenue a year, and credit risk stayed low.")
RISK = ("The key risk is a fraud spike after launch; we mitigate it by starting with low limits that rise "
        "with each customer's repayment history, reviewed weekly with the risk team.")
CASE = [
    ("title", "Pay Later Expansion"), ("para", "Jane Doe"), ("heading", "Executive summary"),
    ("para", RECOMMENDATION), ("bullet", "Launch in Germany in Q3"), ("heading", "Risks"),
    ("table", "Risk|Mitigation;Fraud|Low limits"), ("para", RISK), ("pagebreak", ""),
    ("heading", "Appendix"), ("para", "The model is a logistic regression, explainable to regulators."),
    ("code", "SELECT merchant_id, uplift FROM pilot;"),
]


def _lines(text: str, y: float, font: str = "Helvetica") -> list[tuple[float, float, str, float, str]]:
    words, out, cur = text.split(), [], ""
    for w in words:
        if len(cur) + len(w) > 80:
            out.append(cur)
            cur = ""
        cur = f"{cur} {w}".strip()
    out.append(cur)
    return [(72, y - 14 * i, font, 10, line) for i, line in enumerate(out)]


DRAWN = [
    [(72, 780, "Helvetica-Bold", 16, "Executive summary")] + _lines(RECOMMENDATION, 750) + _lines(RISK, 690),
    [(72, 780, "Helvetica-Bold", 12, "Appendix"), (72, 760, "Courier", 9, "SELECT merchant_id FROM pilot;")]
    + _lines(RISK, 730, "Times-Roman"),
]


@functools.cache
def seeds() -> dict[str, bytes]:
    """The seed files' bytes, built once (a function, not a fixture: hypothesis prints every argument of a
    failing example, and these are kilobytes of binary)."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        built = {
            "platypus.pdf": platypus_pdf(tmp / "platypus.pdf", CASE, header="Confidential draft"),
            "raw.pdf": raw_pdf(tmp / "raw.pdf", DRAWN),
            "canvas.pdf": canvas_pdf(tmp / "canvas.pdf", DRAWN),
            "case.docx": docx_file(tmp / "case.docx", CASE, header="Header", footer="Footer 1"),
        }
        out = {name: path.read_bytes() for name, path in built.items()}
        out["encrypted.pdf"] = _encrypted(built["raw.pdf"])
    # The same package with stored (uncompressed) parts: byte mutations then land in the XML itself.
    out["stored.docx"] = write_zip([Part(n, d, zipfile.ZIP_STORED) for n, d in read_zip(out["case.docx"])])
    return out


def _encrypted(path: Path) -> bytes:
    """The PDF encrypted with an empty user password, as many exporters write it: it opens without one."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=str(path))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz-cases")


# The property ----------------------------------------------------------------------------------


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang(f"an example ran for more than {HANG_SECONDS:.0f} s")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@functools.cache
def rubric():
    """Loaded once, and not a test argument: hypothesis would print the whole rubric with every failure."""
    return load_rubric()


def check(path: Path) -> None:
    """Read (and grade) one mutated file. Anything but a GraderError propagates and fails the example."""
    rss = _peak_rss_mb()
    alarm = hasattr(signal, "setitimer")
    if alarm:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    started = time.monotonic()
    try:
        try:
            document = read_document(path, renderer="none")
        except GraderError as exc:
            event(f"refused: {type(exc).__name__}")
        else:
            event("read")
            grade_document(document, rubric())
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    elapsed = time.monotonic() - started
    assert elapsed < MAX_SECONDS, f"took {elapsed:.1f} s"
    assert _peak_rss_mb() - rss < MAX_RSS_GROWTH_MB, f"peak memory grew by {_peak_rss_mb() - rss:.0f} MB"


# Byte mutations (PDF and DOCX) -----------------------------------------------------------------

TOKENS = [b"0", b"-1", b"4294967296", b"99999999999999999999", b"1e308", b"obj", b"endobj", b"stream", b"endstream",
          b"<<", b">>", b"(", b")", b"[", b"]", b"R", b"%%EOF", b"xref", b"trailer", b"startxref", b"/Length",
          b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"<w:p>", b"</w:t>", b"<!DOCTYPE", b"&", b"\x00" * 8, b"\xff" * 8]


def mutate_bytes(data: bytes, draw, ops: int = 4) -> bytes:
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, ops), label="byte ops")):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate", "token"]))
        region = draw(st.sampled_from(["any", "head", "tail"]))
        lo, hi = {"any": (0, len(buf)), "head": (0, min(len(buf), 2048)),
                  "tail": (max(0, len(buf) - 2048), len(buf))}[region]
        pos = draw(st.integers(lo, hi))
        if op == "flip" and pos < len(buf):
            buf[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del buf[pos:]
        elif op == "insert":
            run = draw(st.one_of(st.binary(min_size=1, max_size=64),
                                 st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=2), st.integers(1, 4096))))
            buf[pos:pos] = run
        elif op == "delete":
            del buf[pos:pos + draw(st.integers(1, 512))]
        elif op == "duplicate":
            start = draw(st.integers(0, len(buf)))
            chunk = buf[start:start + draw(st.integers(1, 4096))]
            buf[pos:pos] = chunk * draw(st.integers(1, 3))
        elif op == "token":
            tok = draw(st.sampled_from(TOKENS))
            buf[pos:pos + (len(tok) if draw(st.booleans()) else 0)] = tok
    return bytes(buf)


@pytest.mark.parametrize("seed", ["platypus.pdf", "raw.pdf", "canvas.pdf", "encrypted.pdf", "case.docx", "stored.docx"])
def test_every_seed_reads_and_grades(work, seed):
    path = work / f"seed-{seed}"
    path.write_bytes(seeds()[seed])
    document = read_document(path, renderer="none")
    assert len(document.body) >= 2
    grade_document(document, rubric())


@fuzz_settings(500)
@given(data=st.data())
def test_pdf_byte_mutations(work, data):
    seed = data.draw(st.sampled_from(["platypus.pdf", "raw.pdf", "canvas.pdf", "encrypted.pdf"]), label="seed")
    path = work / "bytes.pdf"
    path.write_bytes(mutate_bytes(seeds()[seed], data.draw))
    check(path)


@fuzz_settings(350)
@given(data=st.data())
def test_docx_byte_mutations(work, data):
    seed = data.draw(st.sampled_from(["case.docx", "stored.docx"]), label="seed")
    path = work / "bytes.docx"
    path.write_bytes(mutate_bytes(seeds()[seed], data.draw))
    check(path)


# PDF structure ---------------------------------------------------------------------------------


@dataclass
class Obj:
    num: int
    gen: int
    body: bytes  # the object's value; for a stream, extra entries of its dictionary
    stream: bytes | None = None  # decoded stream data
    filter: bytes = b"/FlateDecode"
    encoding: str = "flate"  # flate, raw, truncated, garbage, double
    length: bytes | None = None  # a /Length other than the true one
    endstream: bool = True
    endobj: bool = True


@dataclass
class Pdf:
    header: bytes
    objects: list[Obj]
    trailer: bytes
    xref: bool = True
    xref_edits: list[tuple[int, int]] = field(default_factory=list)
    xref_shift: int = 0
    startxref: bytes | None = None

    def find(self, pattern: bytes) -> list[Obj]:
        return [o for o in self.objects if o.stream is None and re.search(pattern, o.body)]


_OBJECT = re.compile(rb"(\d+) (\d+) obj\b(.*?)\bendobj", re.S)


def parse_pdf(data: bytes) -> Pdf:
    """The seed's objects, with streams decoded, so that mutations work on structure, not offsets."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    objects = []
    for m in _OBJECT.finditer(data):
        num, gen, body = int(m[1]), int(m[2]), m[3].strip()
        head = re.match(rb"(<<.*?>>)\s*stream\r?\n", body, re.S)
        if head:
            extra = re.sub(rb"/Length\s+\d+|/Filter\s*(\[[^\]]*\]|/\w+)|^<<|>>$", b"", head[1]).strip()
            objects.append(Obj(num, gen, extra, reader.get_object(num).get_data()))
        else:
            objects.append(Obj(num, gen, body))
    trailer = re.search(rb"trailer\s*(.*?)\s*startxref", data, re.S)[1]
    return Pdf(data[:_OBJECT.search(data).start()], objects, trailer)


def _encode(o: Obj) -> bytes:
    data = o.stream or b""
    return {"flate": lambda: zlib.compress(data), "raw": lambda: data,
            "truncated": lambda: zlib.compress(data)[: len(zlib.compress(data)) // 2],
            "garbage": lambda: bytes((i * 37 + 11) % 256 for i in range(len(data) // 3 + 1)),
            "double": lambda: zlib.compress(zlib.compress(data))}[o.encoding]()


def serialize_pdf(pdf: Pdf) -> bytes:
    out = bytearray(pdf.header)
    offsets: dict[int, tuple[int, int]] = {}
    for o in pdf.objects:
        offsets[o.num] = (len(out), o.gen)
        out += b"%d %d obj\n" % (o.num, o.gen)
        if o.stream is not None:
            data = _encode(o)
            length = o.length if o.length is not None else b"%d" % len(data)
            out += b"<< /Length " + length + (b" /Filter " + o.filter if o.filter else b"") + b" " + o.body + b" >>\n"
            out += b"stream\n" + data + (b"\nendstream" if o.endstream else b"")
        else:
            out += o.body
        out += b"\nendobj\n" if o.endobj else b"\n"
    xref = len(out)
    if pdf.xref:
        entries = [(0, 0, 65535, b"f")] + [(n, off, gen, b"n") for n, (off, gen) in sorted(offsets.items())]
        for i, value in pdf.xref_edits:
            n, _, gen, kind = entries[i % len(entries)]
            entries[i % len(entries)] = (n, value, gen, kind)
        out += b"xref\n"
        for n, off, gen, kind in entries:  # one subsection per object: numbers need not be contiguous
            out += b"%d 1\n%010d %05d %s \n" % (n, max(0, off + (pdf.xref_shift if kind == b"n" else 0)) % 10**10,
                                               gen, kind)
        out += b"trailer\n" + pdf.trailer + b"\n"
    out += b"startxref\n" + (pdf.startxref if pdf.startxref is not None else b"%d" % xref) + b"\n%%EOF\n"
    return bytes(out)


NUMBERS = [b"0", b"-1", b"1", b"3", b"5001", b"1000000", b"2147483648", b"18446744073709551616", b"1e308",
           b"-0.0", b"3.5", b"abc", b"/Name", b"(string)", b"null", b"true", b"[]", b"<<>>", b"9999 0 R", b"1 0 R"]
CONTENT_OPS = [
    b"q " * 5000, b"Q " * 500, b"BT", b"ET", b"0 0 0 0 0 0 cm", b"1e300 0 0 1e300 0 0 cm", b"-1 0 0 -1 0 0 cm",
    b"/F9 12 Tf", b"/F1 0 Tf", b"/F1 -5 Tf", b"/F1 1e30 Tf", b"(unbalanced", b"<4142", b"[ (a) -1e30 (b) ] TJ",
    b"[", b"]", b"<<", b"/Im1 Do", b"/X1 Do", b"1 0 0 1 1e30 -1e30 Tm", b"T*", b"'", b'"', b"1e30 TL", b"0 Tz",
    b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI", b"BI /W 99999 /H 99999 ID EI", b"d0", b"0 0 0 0 0 0 d1",
    b"BT /F1 10 Tf 72 700 Td (" + b"word " * 20000 + b") Tj ET", b"(\\", b"/F1 12 Tf (x) Tj " * 3000,
    b"1 2 3 4 5 6 7 8 9 10 11 12 re", b"Tc", b"BDC", b"/P << /MCID 1e99 >> BDC", b"EMC",
]
FONTS = [
    b"<< /Type /Font /Subtype /Type0 /BaseFont /Foo /Encoding /Identity-H >>",
    b"<< /Type /Font /Subtype /Type0 /BaseFont /Foo /Encoding /Identity-H /DescendantFonts [9999 0 R] >>",
    b"<< /Type /Font /Subtype /Type0 /Encoding /Identity-H /DescendantFonts [<< /Subtype /CIDFontType2 /W [1 [1e30]] "
    b"/CIDSystemInfo 5 >>] >>",
    b"<< /Type /Font /Subtype /Type3 /FontMatrix [0 0 0 0 0 0] /CharProcs << >> /Encoding << /Differences [0 /a] >> "
    b"/FirstChar 0 /LastChar 255 /Widths [] /Resources << >> >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Differences [65 /x /y 3 (str) -9 /z] >> >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /NoSuchEncoding >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 9999 0 R >>",
    b"<< /Type /Font /Subtype /TrueType /BaseFont /Arial /FirstChar 4294967295 /LastChar -1 /Widths [1 2 3] >>",
    b"<< /Type /Font /Subtype /Type1 /FontDescriptor << /Flags -1 /FontFile2 9999 0 R >> >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont 7 /Encoding 7 >>", b"42", b"null", b"(string)", b"[1 2 3]", b"<< >>",
]
CMAPS = [
    b"/CIDInit /ProcSet findresource begin 1 begincodespacerange <00> <FF> endcodespacerange "
    b"1 beginbfrange <00> <FF> <0041> endbfrange endcmap",
    b"1 beginbfrange <0000> <FFFF> [<0041>] endbfrange", b"2 beginbfchar <41> <D800> <42> <> endbfchar",
    b"1 beginbfrange <FF> <00> <0041> endbfrange", b"99999999 beginbfchar", b"\x00\xff garbage <<<<",
]


def _content_mutation(stream: bytes, draw) -> bytes:
    tokens = stream.split()
    op = draw(st.sampled_from(["insert", "number", "delete", "bytes", "repeat"]))
    if op == "insert" or not tokens:
        pos = draw(st.integers(0, len(tokens)))
        return b" ".join(tokens[:pos] + [draw(st.sampled_from(CONTENT_OPS))] + tokens[pos:])
    if op == "number":
        numeric = [i for i, t in enumerate(tokens) if re.fullmatch(rb"[-+.\d]+", t)] or [0]
        tokens[numeric[draw(st.integers(0, len(numeric) - 1))]] = draw(st.sampled_from(NUMBERS))
        return b" ".join(tokens)
    if op == "delete":
        pos = draw(st.integers(0, len(tokens)))
        return b" ".join(tokens[:pos] + tokens[pos + draw(st.integers(1, 20)):])
    if op == "bytes":
        return mutate_bytes(stream, draw, ops=2)
    return stream * draw(st.integers(2, 200))


def _value_end(body: bytes, start: int) -> int:
    """Where the PDF value starting at ``start`` ends: balanced << >> and [ ], a reference, or one token."""
    if body.startswith((b"<<", b"["), start):
        depth, i = 0, start
        while i < len(body):
            if body.startswith(b"<<", i) or body[i:i + 1] == b"[":
                depth += 1
                i += 2 if body[i:i + 1] == b"<" else 1
            elif body.startswith(b">>", i) or body[i:i + 1] == b"]":
                depth -= 1
                i += 2 if body[i:i + 1] == b">" else 1
                if depth == 0:
                    return i
            else:
                i += 1
        return len(body)
    m = re.compile(rb"\d+\s+\d+\s+R|/?[^/\s<>\[\]()]+").match(body, start)
    return m.end() if m else start


def _set_key(body: bytes, key: bytes, value: bytes) -> bytes:
    """Replace a dictionary entry's value (or add the entry) in an object's text."""
    m = re.search(rb"/" + key + rb"(?![\w#.-])\s*", body)
    if m:
        return body[:m.start()] + b"/" + key + b" " + value + b" " + body[_value_end(body, m.end()):]
    return body.replace(b"<<", b"<< /" + key + b" " + value + b" ", 1) if b"<<" in body else body


def _pick(objs: list, draw):
    return objs[draw(st.integers(0, len(objs) - 1))] if objs else None


def _next_num(pdf: Pdf) -> int:
    return max(o.num for o in pdf.objects) + 1


def mutate_pdf(pdf: Pdf, draw) -> None:
    """One structural mutation, in place."""
    op = draw(st.sampled_from(sorted(PDF_OPS)), label="pdf op")
    PDF_OPS[op](pdf, draw)


def _xref_entry(pdf, draw):
    pdf.xref_edits.append((draw(st.integers(0, 50)), draw(st.sampled_from([0, 1, 9, 10**6, 10**10 - 1]) |
                                                          st.integers(0, 5000))))


def _length(pdf, draw):
    o = _pick([o for o in pdf.objects if o.stream is not None], draw)
    if o is not None:
        real = len(_encode(o))
        o.length = draw(st.sampled_from(NUMBERS) | st.integers(-50, 50).map(lambda d: b"%d" % (real + d)))


def _count(pdf, draw):
    for o in pdf.find(rb"/Type\s*/Pages"):
        o.body = _set_key(o.body, b"Count", draw(st.sampled_from(NUMBERS)))


def _stream(pdf, draw):
    o = _pick([o for o in pdf.objects if o.stream is not None], draw)
    if o is not None:
        o.stream = _content_mutation(o.stream, draw)


def _filter(pdf, draw):
    o = _pick([o for o in pdf.objects if o.stream is not None], draw)
    if o is not None:
        o.filter = draw(st.sampled_from([b"/FlateDecode", b"", b"/LZWDecode", b"/ASCIIHexDecode", b"/ASCII85Decode",
                                         b"/RunLengthDecode", b"/DCTDecode", b"/JBIG2Decode", b"/CCITTFaxDecode",
                                         b"/BrotliDecode", b"/Crypt", b"/Nonsense", b"[/FlateDecode /FlateDecode]",
                                         b"[]", b"5", b"/FlateDecode /DecodeParms << /Predictor 12 /Columns 0 >>",
                                         b"/FlateDecode /DecodeParms << /Predictor 15 /Columns 99999999 >>",
                                         b"/FlateDecode /DecodeParms [null null]"]))
        o.encoding = draw(st.sampled_from(["flate", "raw", "truncated", "garbage", "double"]))


def _font(pdf, draw):
    o = _pick(pdf.find(rb"/Type\s*/Font"), draw)
    if o is None:
        return
    if draw(st.booleans()):
        o.body = draw(st.sampled_from(FONTS))
    else:  # a ToUnicode CMap, broken in one of several ways
        num = _next_num(pdf)
        pdf.objects.append(Obj(num, 0, b"", draw(st.sampled_from(CMAPS))))
        o.body = _set_key(o.body, b"ToUnicode", b"%d 0 R" % num)


def _endobj(pdf, draw):
    _pick(pdf.objects, draw).endobj = False


def _endstream(pdf, draw):
    o = _pick([o for o in pdf.objects if o.stream is not None], draw)
    if o is not None:
        o.endstream = False


def _swap(pdf, draw):
    a, b = _pick(pdf.objects, draw), _pick(pdf.objects, draw)
    a.num, b.num = b.num, a.num


def _delete(pdf, draw):
    if len(pdf.objects) > 1:
        pdf.objects.remove(_pick(pdf.objects, draw))


def _duplicate(pdf, draw):
    o = _pick(pdf.objects, draw)
    pdf.objects.insert(draw(st.integers(0, len(pdf.objects))), replace(o, body=o.body.replace(b"/Type", b"/Tpye")
                                                                        if draw(st.booleans()) else o.body))


def _renumber(pdf, draw):
    _pick(pdf.objects, draw).num = draw(st.sampled_from([0, 65535, 999_999, 2**31 - 1]) | st.integers(0, 40))
    if draw(st.booleans()):
        _pick(pdf.objects, draw).gen = draw(st.sampled_from([1, 65535, 99999]))


def _entry(pdf, draw):
    o = _pick([o for o in pdf.objects if o.stream is None], draw)
    keys = re.findall(rb"/(\w+)\s+[^/\s]", o.body)
    if keys:
        o.body = _set_key(o.body, keys[draw(st.integers(0, len(keys) - 1))], draw(st.sampled_from(NUMBERS)))


def _kids(pdf, draw):
    tree = _pick(pdf.find(rb"/Type\s*/Pages"), draw)
    pages = pdf.find(rb"/Type\s*/Page\b")
    catalog = _pick(pdf.find(rb"/Type\s*/Catalog"), draw)
    if tree is None or not pages:
        return
    first = b"%d 0 R" % pages[0].num
    choices = [b"[%d 0 R]" % tree.num, b"[%s %s]" % (first, first), b"[9999 0 R]", b"[]", b"null", b"[null 5 (x)]",
               b"[" + b" ".join([first] * 3000) + b"]", b"%d 0 R" % (catalog.num if catalog else 1), first]
    tree.body = _set_key(tree.body, b"Kids", draw(st.sampled_from(choices)))


def _deep_tree(pdf, draw):
    tree = _pick(pdf.find(rb"/Type\s*/Pages"), draw)
    catalog = _pick(pdf.find(rb"/Type\s*/Catalog"), draw)
    if tree is None or catalog is None:
        return
    depth, num, child = draw(st.integers(1, 300)), _next_num(pdf), tree.num
    for _ in range(depth):
        pdf.objects.append(Obj(num, 0, b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % child))
        child, num = num, num + 1
    catalog.body = _set_key(catalog.body, b"Pages", b"%d 0 R" % child)


def _page(pdf, draw):
    page = _pick(pdf.find(rb"/Type\s*/Page\b"), draw)
    if page is None:
        return
    content = _pick([o for o in pdf.objects if o.stream is not None], draw)
    c = b"%d 0 R" % (content.num if content else 9999)
    key, values = draw(st.sampled_from([
        (b"Parent", [b"%d 0 R" % page.num, b"null", b"9999 0 R"]),
        (b"Resources", [b"9999 0 R", b"[]", b"%d 0 R" % page.num, b"<< /Font << /F1 %d 0 R >> >>" % page.num,
                        b"<< /Font 7 >>", b"null"]),
        (b"Contents", [b"[" + b" ".join([c] * 200) + b"]", b"[9999 0 R]", b"[]", b"%d 0 R" % page.num, b"[null 5]"]),
        (b"MediaBox", [b"[0 0 0 0]", b"[1e300 1e300 -1e300 -1e300]", b"[a b]", b"5", b"[0 0 595]"]),
        (b"Rotate", [b"45", b"-90", b"270", b"1e30", b"/Foo", b"99999999999999999999"]),
        (b"Type", [b"/Pages", b"/Catalog", b"null"]),
    ]))
    page.body = _set_key(page.body, key, draw(st.sampled_from(values)))


def _xobject_loop(pdf, draw):
    page = _pick(pdf.find(rb"/Type\s*/Page\b"), draw)
    if page is None:
        return
    font = re.search(rb"/Font\s*(\d+ \d+ R|<<[^<>]*>>)", page.body)
    fonts = b"/Font " + font[1] if font else b""
    num = _next_num(pdf)
    resources = b"<< %s /XObject << /X1 %d 0 R /X2 %d 0 R >> >>" % (fonts, num, num)
    pdf.objects.append(Obj(num, 0, b"/Type /XObject /Subtype /Form /BBox [0 0 600 800] /Resources " + resources,
                           b"/X1 Do /X2 Do BT /F1 12 Tf 72 72 Td (loop) Tj ET"))
    page.body = _set_key(page.body, b"Resources", resources)
    for o in pdf.objects:
        if o.stream is not None and o.num != num and draw(st.booleans()):
            o.stream += b"\n/X1 Do" * draw(st.integers(1, 50))


def _trailer(pdf, draw):
    edit = draw(st.sampled_from(["root", "size", "encrypt", "prev", "xrefstm", "drop-root"]))
    if edit == "drop-root":
        pdf.trailer = re.sub(rb"/Root\s+\d+ \d+ R", b"", pdf.trailer)
    else:
        key = {"root": b"Root", "size": b"Size", "encrypt": b"Encrypt", "prev": b"Prev", "xrefstm": b"XRefStm"}[edit]
        value = draw(st.sampled_from(NUMBERS + [b"<< /Filter /Standard /V 9 /R 9 /O <00> /U <00> /P -1 >>",
                                                b"<< /Filter /Standard /V 1 /R 2 /O (x) /U (y) /P -4 >>", b"250"]))
        pdf.trailer = _set_key(pdf.trailer, key, value)


def _catalog(pdf, draw):
    catalog = _pick(pdf.find(rb"/Type\s*/Catalog"), draw)
    page = _pick(pdf.find(rb"/Type\s*/Page\b"), draw)
    if catalog is not None:
        values = [b"9999 0 R", b"null", b"%d 0 R" % catalog.num, b"<< /Type /Pages /Count 1 >>"]
        if page is not None:
            values.append(b"%d 0 R" % page.num)
        catalog.body = _set_key(catalog.body, b"Pages", draw(st.sampled_from(values)))


def _xref(pdf, draw):
    what = draw(st.sampled_from(["shift", "none", "startxref"]))
    if what == "shift":
        pdf.xref_shift = draw(st.integers(-500, 500))
    elif what == "none":
        pdf.xref = False
        pdf.startxref = b"0"
    else:
        pdf.startxref = draw(st.sampled_from([b"0", b"-1", b"99999999999", b"abc", b"", b"5", b"1e5"]))


def _header(pdf, draw):
    pdf.header = draw(st.sampled_from([b"%PDF-2.0\n", b"%PDF-9.9\n", b"%PDF-\n", b"junk\n%PDF-1.4\n", b"%PDF-1.4",
                                       b"%PDF-1.4\n" + b"%" * 5000 + b"\n", b"%PDF-1.a\n%\xe2\xe3\n"]))


PDF_OPS: dict[str, Callable] = {
    "xref-entry": _xref_entry, "xref": _xref, "length": _length, "count": _count, "stream": _stream,
    "filter": _filter, "font": _font, "endobj": _endobj, "endstream": _endstream, "swap": _swap,
    "delete": _delete, "duplicate": _duplicate, "renumber": _renumber, "entry": _entry, "kids": _kids,
    "deep-tree": _deep_tree, "page": _page, "xobject-loop": _xobject_loop, "trailer": _trailer,
    "catalog": _catalog, "header": _header,
}


@functools.cache
def pdf_models() -> dict[str, Pdf]:
    return {name: parse_pdf(seeds()[name]) for name in ("platypus.pdf", "raw.pdf", "canvas.pdf")}


def test_pdf_models_round_trip(work):
    """The harness itself: a seed parsed into objects and written back reads as the seed does."""
    for name, model in pdf_models().items():
        original, rebuilt = work / f"orig-{name}", work / f"model-{name}"
        original.write_bytes(seeds()[name])
        rebuilt.write_bytes(serialize_pdf(model))
        assert [b.text for b in read_document(rebuilt).blocks] == [b.text for b in read_document(original).blocks]


@fuzz_settings(700)
@given(data=st.data())
def test_pdf_structure_mutations(work, data):
    name = data.draw(st.sampled_from(sorted(pdf_models())), label="seed")
    pdf = copy.deepcopy(pdf_models()[name])
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        mutate_pdf(pdf, data.draw)
    path = work / "structure.pdf"
    path.write_bytes(serialize_pdf(pdf))
    check(path)


# DOCX structure --------------------------------------------------------------------------------


@dataclass
class Part:
    name: str
    data: bytes
    compression: int = zipfile.ZIP_DEFLATED


def read_zip(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def write_zip(parts: list[Part]) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        with zipfile.ZipFile(buf, "w") as zf:
            for part in parts:
                info = zipfile.ZipInfo(part.name, date_time=(2024, 1, 1, 0, 0, 0))
                info.compress_type = part.compression
                zf.writestr(info, part.data, compresslevel=1 if part.compression == zipfile.ZIP_DEFLATED else None)
    return buf.getvalue()


NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "v": "urn:schemas-microsoft-com:vml",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
}
XML_PARTS = ["word/document.xml"] * 6 + ["word/styles.xml"] * 2 + [
    "[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels", "word/numbering.xml",
    "word/theme/theme1.xml", "docProps/app.xml", "word/settings.xml", "word/header1.xml"]
TAGS = ["w:p", "w:r", "w:t", "w:tbl", "w:tr", "w:tc", "w:sdt", "w:sdtContent", "w:ins", "w:del", "w:moveFrom",
        "w:txbxContent", "w:drawing", "w:pict", "w:body", "w:document", "w:sectPr", "w:pgSz", "w:style", "w:rPr",
        "w:pPr", "w:br", "w:tab", "w:customXml", "mc:AlternateContent", "mc:Choice", "mc:Fallback", "rel:Relationship",
        "ct:Override", "{urn:x}unknown", "{http://purl.oclc.org/ooxml/wordprocessingml/main}p"]
ATTRS = ["w:val", "w:w", "w:h", "w:type", "w:line", "w:lineRule", "w:before", "w:after", "w:left", "w:right",
         "w:top", "w:bottom", "w:header", "w:footer", "w:orient", "w:styleId", "w:ilvl", "w:numId", "w:gridSpan",
         "w:num", "w:space", "r:id", "r:embed", "Target", "Type", "TargetMode", "Id", "PartName", "ContentType"]
VALUES = ["", "0", "-1", "1", "9", "-2147483649", "4294967296", "99999999999999999999999", "1e400", "-1e400",
          "nan", "inf", "-0", "0.5", "12pt", "auto", "page", "exact", "atLeast", "pct", "true", "off", "²", "٣", "x" * 10000,
          "../../../../etc/passwd", "/word/document.xml", "document.xml", "http://example.invalid/x", "%2e%2e/x",
          "\u202e", "Heading1", "Title", "ListBullet", "External", "rId1", "rId999",
          "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles",
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"]
TEXTS = ["", " ", RECOMMENDATION, "€" * 5000, "x" * 200_000, "word " * 20_000, "\t\n\r", "e\u0301" * 10000,
         "1" * 10000, "€" + "1," * 5000, "$1 " * 3000, "Page 1 of 2", "\u202eevil\u202c", "recom-", "\ufeff" * 100,
         "grid search " * 2000, "risk " * 3000, "a. " * 5000]
SNIPPETS = [
    '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>Box</w:t></w:r>'
    '</w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Box</w:t>'
    '</w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>',
    '<w:ins><w:r><w:t>inserted</w:t></w:r></w:ins><w:del><w:r><w:delText>gone</w:delText></w:r></w:del>',
    '<w:tbl><w:tr><w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t>deep</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>',
    '<w:sectPr><w:pgSz w:w="0" w:h="-5"/><w:pgMar w:top="999999999" w:bottom="-999999999" w:left="0" w:right="0"/>'
    '<w:cols w:num="0" w:space="-1"/></w:sectPr>',
    '<w:p><w:pPr><w:spacing w:line="0" w:lineRule="exact" w:before="-1"/><w:ind w:left="-99999999"/></w:pPr>'
    '<w:r><w:rPr><w:sz w:val="0"/></w:rPr><w:t>tiny</w:t></w:r></w:p>',
    '<w:r><w:drawing><wp:inline><wp:extent cx="-1" cy="99999999999999"/><a:graphic><a:graphicData><pic:pic>'
    '<pic:blipFill><a:blip r:embed="rId999"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline>'
    '</w:drawing></w:r>',
    '<w:r><w:pict><v:shape style="width:1e309pt;height:-5in"><v:imagedata r:id="rId1"/></v:shape></w:pict></w:r>',
    '<w:p><w:r><w:br w:type="page"/><w:lastRenderedPageBreak/><w:t>after</w:t><w:br w:type="page"/></w:r></w:p>',
    '<w:tbl><w:tblPr><w:tblStyle w:val="Nope"/><w:tblCellMar><w:left w:w="-9999"/></w:tblCellMar></w:tblPr>'
    '<w:tblGrid><w:gridCol w:w="-1"/></w:tblGrid><w:tr><w:trPr><w:trHeight w:val="99999999" w:hRule="exact"/>'
    '</w:trPr><w:tc><w:tcPr><w:gridSpan w:val="100000"/><w:tcW w:w="99999999" w:type="pct"/><w:vMerge/></w:tcPr>'
    '<w:p><w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>',
    '<w:p><w:pPr><w:numPr><w:ilvl w:val="99"/><w:numId w:val="-4"/></w:numPr><w:outlineLvl w:val="²"/></w:pPr>'
    '<w:r><w:t>item</w:t></w:r></w:p>',
    '<w:style w:type="paragraph" w:styleId="Normal" w:default="1"><w:basedOn w:val="Normal"/>'
    '<w:rPr><w:sz w:val="nan"/><w:rFonts w:asciiTheme="minorHAnsi"/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading1"><w:basedOn w:val="Title"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Title"><w:basedOn w:val="Heading1"/></w:style>',
    '<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="0"/><w:rFonts w:ascii=""/></w:rPr></w:rPrDefault>'
    '<w:pPrDefault><w:pPr><w:spacing w:line="-240"/></w:pPr></w:pPrDefault></w:docDefaults>',
    '<rel:Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="../../../etc/passwd"/><rel:Relationship Id="rId98" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/numbering" Target="document.xml"/>',
    '<ct:Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
    '<w:p><w:fldSimple w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple><w:hyperlink r:id="rId999">'
    '<w:r><w:t>link</w:t></w:r></w:hyperlink><w:r><w:instrText>HYPERLINK</w:instrText><w:noBreakHyphen/>'
    '<w:softHyphen/><w:sym w:char="F0B7"/></w:r></w:p>',
]
_DECLS = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())


def _qname(name: str) -> str:
    if name.startswith("{") or ":" not in name:
        return name
    prefix, local = name.split(":", 1)
    return f"{{{NS[prefix]}}}{local}"


def _snippet(xml: str) -> list:
    from lxml import etree

    return list(etree.fromstring(f"<root {_DECLS}>{xml}</root>"))


def _xml_mutation(root, draw) -> None:
    """One mutation of a parsed XML part, in place."""
    elements = list(root.iter())
    el = elements[draw(st.integers(0, len(elements) - 1))]
    parent = el.getparent()
    op = draw(st.sampled_from(["drop", "duplicate", "reorder", "move", "attr", "strip-attrs", "tag", "text",
                               "repeat", "nest", "snippet"]), label="xml op")
    if op == "drop" and parent is not None:
        parent.remove(el)
    elif op == "duplicate" and parent is not None:
        for _ in range(draw(st.integers(1, 50))):
            parent.insert(parent.index(el) + 1, copy.deepcopy(el))
    elif op == "reorder" and len(el):
        children = list(el)
        k = draw(st.integers(0, len(children)))
        el[:] = children[::-1] if draw(st.booleans()) else children[k:] + children[:k]
    elif op == "move" and parent is not None:
        target = elements[draw(st.integers(0, len(elements) - 1))]
        if target is not el and el not in target.iterancestors():
            target.insert(draw(st.integers(0, len(target))), el)
    elif op == "attr":
        keys = list(el.attrib) + ATTRS
        el.set(_qname(keys[draw(st.integers(0, len(keys) - 1))]), draw(st.sampled_from(VALUES)))
    elif op == "strip-attrs":
        el.attrib.clear()
    elif op == "tag" and isinstance(el.tag, str):
        el.tag = _qname(draw(st.sampled_from(TAGS)))
    elif op == "text":
        el.text = draw(st.sampled_from(TEXTS))
    elif op == "repeat" and parent is not None:  # a huge but legal body: thousands of copies of one element
        for _ in range(draw(st.integers(100, 3000))):
            parent.append(copy.deepcopy(el))
    elif op == "nest":  # deeply nested elements, past the readers' own depth limits
        chain = draw(st.sampled_from([("w:tbl", "w:tr", "w:tc"), ("w:sdt", "w:sdtContent"), ("w:ins",),
                                      ("mc:AlternateContent", "mc:Choice"), ("w:r",), ("{urn:x}n",), ("w:txbxContent",)]))
        node = el
        for i in range(draw(st.integers(10, 3000))):
            child = node.makeelement(_qname(chain[i % len(chain)]), {})
            node.append(child)
            node = child
        node.append(_snippet("<w:p><w:r><w:t>bottom of the nest</w:t></w:r></w:p>")[0])
    elif op == "snippet":
        pos = draw(st.integers(0, len(el)))
        for child in reversed(_snippet(draw(st.sampled_from(SNIPPETS)))):
            el.insert(pos, child)


def _serialized_mutation(data: bytes, draw) -> bytes:
    op = draw(st.sampled_from(["truncate", "doctype", "namespace", "utf16", "encoding", "bytes"]), label="raw op")
    if op == "truncate":
        return data[:draw(st.integers(0, len(data)))]
    if op == "doctype":
        decl = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        return re.sub(rb"^(<\?xml[^>]*\?>)?", lambda m: (m[0] or b"") + decl, data, count=1)
    if op == "namespace":
        new = draw(st.sampled_from([b"http://purl.oclc.org/ooxml/wordprocessingml/main", b"urn:bogus", b""]))
        return data.replace(NS["w"].encode(), new) if new else data.replace(b'xmlns:w="' + NS["w"].encode() + b'"', b"")
    if op == "utf16":
        if not data.startswith(b"<?xml"):  # already re-encoded, or not XML
            return data
        return data.decode("utf-8", "replace").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    if op == "encoding":
        return re.sub(rb'encoding="[^"]*"', b'encoding="' + draw(st.sampled_from([b"ebcdic", b"bogus", b"UTF-32",
                                                                                  b"ISO-8859-1"])) + b'"', data, count=1)
    return mutate_bytes(data, draw, ops=2)


def _part_mutation(parts: list[Part], draw) -> None:
    names = sorted({p.name for p in parts})
    op = draw(st.sampled_from(["remove", "rename", "duplicate", "replace", "compression", "add", "many"]),
              label="part op")
    chosen = draw(st.sampled_from(names))
    part = next(p for p in parts if p.name == chosen)
    if op == "remove":
        parts.remove(part)
    elif op == "rename":
        part.name = draw(st.sampled_from([part.name.upper(), "x/" + part.name, part.name + ".bak", "/" + part.name,
                                          part.name.replace("/", "\\"), "../" + part.name, "a" * 1000,
                                          draw(st.sampled_from(names))]))
    elif op == "duplicate":
        parts.insert(draw(st.integers(0, len(parts))), Part(part.name, draw(st.sampled_from([part.data, b"", b"<x/>"]))))
    elif op == "replace":
        part.data = draw(st.sampled_from([b"", b"\x00" * 100, b"<?xml version='1.0'?>", b"not xml at all",
                                          b"<a><b></a>", bytes(range(256)) * 10, b"<x/>" * 3,
                                          b"\xef\xbb\xbf<?xml version='1.0'?><w:document xmlns:w='urn:x'/>"]))
    elif op == "compression":
        part.compression = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                                 zipfile.ZIP_LZMA]))
    elif op == "add":  # a big part of one repeated byte: refused as a bomb only if its ratio says so
        size = draw(st.sampled_from([2**20 + 1, 3 * 2**20, 20 * 2**20]))
        parts.append(Part(draw(st.sampled_from(["word/media/big.bin", "word/big.xml", part.name])), b" " * size))
    else:
        parts.extend(Part(f"junk/{i}.xml", b"<x/>", zipfile.ZIP_STORED) for i in range(draw(st.integers(10, 6000))))


def mutate_docx(parts: list[Part], draw) -> None:
    kind = draw(st.sampled_from(["xml"] * 3 + ["serialized", "part"]), label="docx mutation")
    if kind == "part":
        _part_mutation(parts, draw)
        return
    from lxml import etree

    name = draw(st.sampled_from(XML_PARTS), label="part")
    part = next((p for p in parts if p.name == name), None)
    if part is None:
        return
    if kind == "serialized":
        part.data = _serialized_mutation(part.data, draw)
        return
    try:
        root = etree.fromstring(part.data)
    except etree.XMLSyntaxError:  # an earlier mutation broke it: mutate the bytes instead
        part.data = mutate_bytes(part.data, draw, ops=2)
        return
    _xml_mutation(root, draw)
    part.data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def test_docx_parts_round_trip(work):
    """The harness itself: parts read and written back (parsed with lxml) read as the seed does."""
    from lxml import etree

    parts = [Part(n, d) for n, d in read_zip(seeds()["case.docx"])]
    for p in parts:
        if p.name.endswith((".xml", ".rels")):
            p.data = etree.tostring(etree.fromstring(p.data), xml_declaration=True, encoding="UTF-8", standalone=True)
    original, rebuilt = work / "orig.docx", work / "rebuilt.docx"
    original.write_bytes(seeds()["case.docx"])
    rebuilt.write_bytes(write_zip(parts))
    expected = [b.text for b in read_document(original, renderer="none").blocks]
    assert [b.text for b in read_document(rebuilt, renderer="none").blocks] == expected


@fuzz_settings(700)
@given(data=st.data())
def test_docx_structure_mutations(work, data):
    parts = [Part(n, d) for n, d in read_zip(seeds()["case.docx"])]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        mutate_docx(parts, data.draw)
    path = work / "structure.docx"
    path.write_bytes(write_zip(parts))
    check(path)


# Regressions: crashes the fuzzer found, each reduced to its smallest reproducer -------------------


def test_a_zip_needing_a_newer_zip_version_is_unreadable_not_a_crash(work):
    # Found by a bit flip in the central directory: "version needed to extract" 8.4 made zipfile raise
    # NotImplementedError while opening the package.
    data = bytearray(write_zip([Part("[Content_Types].xml", b"<Types/>"), Part("word/document.xml", b"<x/>")]))
    central = data.index(b"PK\x01\x02")
    data[central + 6:central + 8] = (84).to_bytes(2, "little")
    path = work / "zip-version.docx"
    path.write_bytes(bytes(data))
    with pytest.raises(UnreadableDocument):
        read_document(path, renderer="none")


def test_a_tounicode_map_to_a_lone_surrogate_is_read_and_graded(work):
    # Found by the font mutation: a ToUnicode CMap mapping a code to <D800>, half of a UTF-16 pair, put
    # a lone surrogate into the text, which reached spaCy and raised UnicodeEncodeError while grading.
    pdf = copy.deepcopy(pdf_models()["raw.pdf"])
    font = pdf.find(rb"/BaseFont /Helvetica /")[0]
    pdf.objects.append(Obj(_next_num(pdf), 0, b"", b"1 beginbfchar <65> <D800> endbfchar"))  # every "e"
    font.body = _set_key(font.body, b"ToUnicode", b"%d 0 R" % pdf.objects[-1].num)
    path = work / "surrogate.pdf"
    path.write_bytes(serialize_pdf(pdf))
    document = read_document(path)
    text = " ".join(b.text for b in document.blocks)
    assert "\ufffd" in text
    assert text.encode("utf-8")
    grade_document(document, rubric())


def test_a_doctype_after_the_first_64_kib_is_still_refused(work):
    # Found while checking docs/hostile-input.md: the DOCTYPE check looked at the first 64 KiB only, so
    # a prolog padded past it was parsed (entities unexpanded) and read as a document with no text.
    parts = [Part(n, d) for n, d in read_zip(seeds()["case.docx"])]
    main = next(p for p in parts if p.name == "word/document.xml")
    decl, rest = main.data.split(b"?>", 1)
    doctype = b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
    main.data = decl + b"?>" + b" " * 70_000 + doctype + rest.replace(b"<w:t>", b"<w:t>&xxe;", 1)
    path = work / "late-doctype.docx"
    path.write_bytes(write_zip(parts))
    with pytest.raises(HostileDocument):
        read_document(path, renderer="none")


def test_a_part_lying_about_its_size_is_never_inflated_in_full(work):
    # Found while checking docs/hostile-input.md: the zip-bomb check trusts the declared sizes, and
    # zipfile.read() inflated a part completely before cutting it to its declared size, so a part
    # declaring 4 KB that inflates to 128 MB cost 128 MB (and 1 GB for a 1 MB file).
    path = work / "liar.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in read_zip(seeds()["case.docx"]):
            if name != "word/document.xml":
                zf.writestr(name, data)
        with zf.open("word/document.xml", "w") as fh:
            for _ in range(128):
                fh.write(b" " * 2**20)
    data = bytearray(path.read_bytes())
    for signature, name_at, size_at, header in ((b"PK\x03\x04", 26, 22, 30), (b"PK\x01\x02", 28, 24, 46)):
        at = data.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", data, at + name_at)[0]
            if data[at + header:at + header + length] == b"word/document.xml":
                struct.pack_into("<I", data, at + size_at, 4000)  # the declared uncompressed size
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableDocument):
            read_document(path, renderer="none")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20


def test_a_part_in_a_compression_word_never_writes_is_unreadable(work):
    # The companion of the test above: zipfile inflates bzip2 and LZMA parts without any output bound.
    parts = [Part(n, d, zipfile.ZIP_BZIP2 if n == "word/document.xml" else zipfile.ZIP_DEFLATED)
             for n, d in read_zip(seeds()["case.docx"])]
    path = work / "bzip2.docx"
    path.write_bytes(write_zip(parts))
    with pytest.raises(UnreadableDocument):
        read_document(path, renderer="none")
