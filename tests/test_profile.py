"""Performance: `grader check --profile` and its stage timer, a CLI that starts light, and the fast
paths giving exactly what they replace (pypdf's content-stream parse, spaCy's sentencizer, the
money patterns).

No test asserts a wall-clock threshold (the machine may be busy); they check that the stages are
there, that each is counted once, that what should not be imported is not, and that every shortcut
is exact.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from builders import docx_file, platypus_pdf
from click.testing import CliRunner
from drafts import GOOD, write

from grader.cli import main
from grader.errors import EXIT_USAGE
from grader.grading import grade
from grader.profile import STAGES, profiling, stage

BLOCKS = [("title", "Credit limits for returning customers"), ("para", "Candidate: Jane Doe")] + [
    ("para", line) for line in GOOD.splitlines()[2:] if line.strip()
]
ROW = re.compile(r"^(?P<stage>[\w-]+)\s+(?P<ms>\d+\.\d)\s+(?:(?P<pct>\d+\.\d)%)?", re.M)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"NO_COLOR": None})


def profile_rows(stderr: str) -> dict[str, tuple[float, float | None]]:
    """{stage: (ms, percent or None)} from the table --profile prints."""
    return {m["stage"]: (float(m["ms"]), float(m["pct"]) if m["pct"] else None) for m in ROW.finditer(stderr)}


def test_importing_the_cli_imports_nothing_heavy():
    code = ("import sys, grader.cli; heavy = ('spacy', 'pypdf', 'docx', 'lxml', 'jinja2', 'thinc'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_profile_prints_every_stage_on_stderr(runner, tmp_path, kind):
    path = tmp_path / f"draft.{kind}"
    (platypus_pdf if kind == "pdf" else docx_file)(path, BLOCKS)
    result = runner.invoke(main, ["check", str(path), "--profile", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.stdout)["file"] == str(path)  # stdout stays the report alone
    rows = profile_rows(result.stderr)
    assert [s for s in rows if s in STAGES] == list(STAGES)
    for name in ("read", "layout", "analysis", "checks", "report"):
        assert rows[name][0] > 0, f"{name} took no time: {result.stderr}"
    file_ms, file_pct = rows["file"]
    assert file_pct == 100.0
    assert sum(rows[s][0] for s in STAGES) == pytest.approx(file_ms, abs=0.3)  # each rounded to 0.1 ms
    assert sum(rows[s][1] for s in STAGES) == pytest.approx(100.0, abs=0.5)
    assert file_ms + rows["start-up"][0] <= rows["wall"][0] + 0.2


def test_profile_of_a_file_that_cannot_be_graded_still_prints(runner, tmp_path):
    path = write(tmp_path / "broken.pdf", b"%PDF-1.4\nnot a pdf at all")
    result = runner.invoke(main, ["check", str(path), "--profile"])
    assert result.exit_code == 2
    assert "grader:" in result.stderr and "read" in profile_rows(result.stderr)


@pytest.mark.parametrize("args", [["a.md", "b.md"], ["drafts"], ["a.md", "--watch"]])
def test_profile_takes_one_file(runner, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "a.md", GOOD)
    write(tmp_path / "b.md", GOOD)
    write(tmp_path / "drafts" / "c.md", GOOD)
    result = runner.invoke(main, ["check", *args, "--profile"])
    assert result.exit_code == EXIT_USAGE
    assert "--profile" in result.stderr


def test_stages_nest_and_are_counted_once(tmp_path, rubric):
    path = platypus_pdf(tmp_path / "draft.pdf", BLOCKS)
    grade(path, rubric)  # start-up out of the way: spaCy, the matchers, pypdf's lazy imports
    with profiling() as prof:
        grade(path, rubric)
    assert prof.seconds["layout"] > 0 and prof.seconds["read"] > 0  # layout is taken out of read
    assert prof.seconds["report"] == 0
    assert 0 < prof.file_seconds <= prof.wall
    assert sum(prof.seconds.values()) <= prof.wall


def test_no_profile_no_timing(tmp_path, rubric):
    with stage("read"):  # no profile being taken: a no-op, not an error
        pass
    with profiling() as prof:
        with stage("read"):
            with stage("layout"):
                pass
    outside = prof.seconds.copy()
    with stage("read"):
        pass
    assert prof.seconds == outside  # a finished profile collects nothing more


# --- the fast paths give exactly what they replace ----------------------------------------------

STREAMS = [
    b"BT /F1 12 Tf 14.4 TL 72 700 Td (Hello, world) Tj T* (Next line) Tj ET",
    b"q 1 0 0 1 78 741.8898 cm BT 1 0 0 1 0 4 Tm /F2 18 Tf 22 TL 99.6318 0 Td (Reducing \\(it\\)) Tj ET Q",
    b"BT /F1 10 Tf [(A)-250(W)120(ord)-3000(gap)] TJ <48656c6c6f> Tj <4142 43> Tj <414> Tj ET",
    b"BT (esc \\n\\t\\101\\7\\\\ \\\n cont) Tj 0 -12 Td (q') ' 1 2 (dq) \" -.5 +3 5. Tz ET",
    b"/Span <</ActualText (x) /MCID 3 /K [1 2]>> BDC BT /F1 9 Tf (tagged) Tj ET EMC 0 0 0 RG 0.5 w [3 2] 0 d",
    b"q 0.1 0 0 0.1 0 0 cm /Im1 Do Q BT/F1 8 Tf(packed)Tj/F2 9 Tf[(a)1(b)]TJ ET",
]
UNSUPPORTED = [
    b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI",  # an inline image
    b"BT % a comment\n(x) Tj ET",
    b"BT (nested (parens)) Tj ET",
    b"BT (bad \\q escape) Tj ET",
    b"BT (\\777) Tj ET",
    b"12 0 R Do",
    b"BT 1.2.3 Tf ET",
    b"BT /F#20a 12 Tf ET",
    b"[(unclosed) TJ",
]


def pypdf_operations(data: bytes):
    from pypdf.generic import ContentStream

    stream = ContentStream(None, None, "bytes")
    stream.set_data(data)
    return stream.operations


def same_objects(ours, theirs) -> bool:
    from grader.readers.pdf_content import _OPAQUE

    if ours is _OPAQUE:  # a dictionary operand: never read by the text extraction
        return True
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, list):
        return len(ours) == len(theirs) and all(same_objects(a, b) for a, b in zip(ours, theirs, strict=True))
    return ours == theirs


@pytest.mark.parametrize("data", STREAMS)
def test_content_streams_parse_as_pypdf_parses_them(data):
    from grader.readers.pdf_content import operations

    ours = operations(data)
    assert ours is not None, "this stream should take the fast path"
    theirs = pypdf_operations(data)
    assert [op for _, op in ours] == [op for _, op in theirs]
    for (a, _), (b, _) in zip(ours, theirs, strict=True):
        assert same_objects(a, b), (a, b)


@pytest.mark.parametrize("data", UNSUPPORTED)
def test_what_the_fast_parse_does_not_copy_is_left_to_pypdf(data):
    from grader.readers.pdf_content import operations

    assert operations(data) is None


def test_a_pdf_reads_the_same_with_and_without_the_fast_parse(tmp_path, monkeypatch):
    from grader.readers import pdf
    from grader.readers.pdf import read_pdf

    path = platypus_pdf(tmp_path / "draft.pdf", BLOCKS + [("table", "Risk|Mitigation;Fraud|Cap limits"),
                                                          ("code", "model.fit(X, y)")])
    fast = read_pdf(path)
    monkeypatch.setattr(pdf, "operations", lambda data: None)
    assert read_pdf(path) == fast


SENTENCES = [
    "We should launch it. Then measure! Really? Yes…",
    "Revenue rose 5.3% (from €2.3M). \"Quoted.\" Next one",
    "A list: one; two... three. — Dash. ¿Qué? ¡Sí!",
    "Mio. Mrd. approx. vs. e.g. i.e. Fig. 3 shows it.",
    "No punctuation at all",
    "...",
    "Ends with a period.",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_sentence_starts_are_the_sentencizers(text):
    from grader.annotate import _sentence_starts
    from grader.nlp import pipeline

    nlp = pipeline()
    doc = nlp.make_doc(text)
    tokens = [(t.idx, len(t), t.is_punct) for t in doc]
    expected = [s.start for s in nlp(text).sents]
    assert _sentence_starts(text, tokens, nlp.get_pipe("sentencizer").punct_chars) == expected


AMOUNTS = [
    "Worth about €2.3M a year, up 5% or 30 bps.", "It saves $1.2M (USD 1,200,000) and £300k.",
    "SEK 40m in Sweden, 12 kr per order, ¥5bn.", "Two million euros, half a million euro.",
    "ſek 5 and \u212ar 3 and EUR 4", "İ 5 per cent and 3 p.p. and 2 basis points", "Euro 2024 drew 3 million fans.",
    "1,200 customers and 3 dollars", "plain text with 42 in it",
]


@pytest.mark.parametrize("text", AMOUNTS)
def test_amounts_skip_only_patterns_that_cannot_match(text):
    from grader import money

    def every_pattern(text: str) -> list:  # find_amounts without the substring tests
        if not money._MAYBE_AMOUNT.search(text):
            return []
        found, taken = [], []
        for currency, pattern, _ in money._PATTERNS:
            for m in pattern.finditer(text):
                if any(m.start() < e and s < m.end() for s, e in taken) or money._YEAR.match(m.group(0).strip()):
                    continue
                taken.append((m.start(), m.end()))
                found.append(money.Amount(m.group(0).strip(), currency, m.start(), m.end(), money._value(m.group(0))))
        for m in money._PERCENT.finditer(text):
            if not any(m.start() < e and s < m.end() for s, e in taken):
                taken.append((m.start(), m.end()))
                found.append(money.Amount(m.group(0).strip(), "PERCENT", m.start(), m.end(),
                                          money._percent_value(m.group(0))))
        return sorted(found, key=lambda a: a.start)

    assert money.find_amounts(text) == every_pattern(text)


def test_only_four_letters_outside_ascii_read_as_ascii_under_ignorecase():
    import sys

    from grader.money import _NON_ASCII_LETTER

    sample = [chr(c) for c in range(128, 0x3000)] + [chr(c) for c in range(0x2100, 0x2200)] + [chr(sys.maxunicode)]
    assert sorted({c for c in sample if _NON_ASCII_LETTER.search(c)}) == sorted("İıſ\u212a")


def test_the_command_line_freezes_what_it_loaded_and_the_library_does_not(tmp_path):
    """gc.freeze spares a grader process ~40 ms of full collections; in a program that only imports
    the grader it would keep that program's own garbage alive, so only the command line does it."""
    import subprocess
    import sys

    draft = tmp_path / "draft.md"
    draft.write_text("# Checkout\n\nWe should launch one-tap checkout; it recovers about €2.3M a year.\n",
                     encoding="utf-8")
    library = f"import gc; from grader.grading import grade; grade({str(draft)!r}); print(gc.get_freeze_count())"
    cli = ("import gc, sys; from grader.cli import main\n"
           "try:\n"
           f"    main(['check', {str(draft)!r}])\n"
           "except SystemExit:\n"
           "    pass\n"
           "print(gc.get_freeze_count(), file=sys.stderr)")
    lib = subprocess.run([sys.executable, "-c", library], capture_output=True, text=True, check=True)
    assert lib.stdout.strip() == "0"
    run = subprocess.run([sys.executable, "-c", cli], capture_output=True, text=True)
    assert int(run.stderr.strip().splitlines()[-1]) > 10_000  # spaCy alone is tens of thousands
