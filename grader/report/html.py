"""The HTML feedback report: plain view data first, then a logic-free Jinja2 template.

One self-contained file (inline CSS, no scripts or fonts fetched), autoescaped, written
atomically so a report is never half-written.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from markupsafe import Markup, escape

from ..results import CriterionResult, GradeResult, Opening

FIX_FIRST = 3


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool


@dataclass(frozen=True)
class ParagraphView:
    label: str
    segments: tuple[Segment, ...]


def _segments(op: Opening) -> tuple[Segment, ...]:
    marks = sorted({h for h in op.highlights if h}, key=len, reverse=True)
    if not marks:
        return (Segment(op.text, False),)
    pattern = re.compile("|".join(re.escape(m) for m in marks))
    out, pos = [], 0
    for m in pattern.finditer(op.text):
        if m.start() > pos:
            out.append(Segment(op.text[pos:m.start()], False))
        out.append(Segment(m.group(0), True))
        pos = m.end()
    if pos < len(op.text):
        out.append(Segment(op.text[pos:], False))
    return tuple(out)


def _highlight(text: str, part: str) -> Markup:
    """Escape ``text`` and wrap the first occurrence of ``part`` in <mark>."""
    if part and part != text and part in text:
        i = text.index(part)
        return escape(text[:i]) + Markup("<mark>") + escape(part) + Markup("</mark>") + escape(text[i + len(part):])
    return escape(text)


def _view(result: GradeResult, generated: str) -> dict:
    failed = sorted((c for c in result.criteria if not c.passed), key=lambda c: (c.severity != "error", -c.weight))
    return {
        "r": result,
        "name": Path(result.file).name,
        "generated": generated,
        "fix_first": failed[:FIX_FIRST],
        "criteria": [(c, [(_highlight(e.text, e.highlight), e) for e in c.evidence]) for c in result.criteria],
        "opening": [ParagraphView(f"¶{op.paragraph} · page {op.page}", _segments(op)) for op in result.opening],
        "earned": sum(c.weight for c in result.criteria if c.passed),
        "total": sum(c.weight for c in result.criteria),
        "status": status_word,
    }


def status_word(c: CriterionResult) -> str:
    if c.passed:
        return "pass"
    return "warn" if c.severity == "warning" else "fail"


def _env():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("grader", "templates"),
        autoescape=select_autoescape(("html", "j2"), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(result: GradeResult, generated: str | None = None) -> str:
    """The report page for one result, as a string."""
    when = generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _env().get_template("report.html.j2").render(**_view(result, when))


def safe_name(source: str) -> str:
    """An output file name derived from the input's, safe whatever the input is called.

    Letters and digits of any script are kept; everything else (slashes, quotes, angle brackets,
    control and bidi characters, spaces) becomes "-", and the stem is capped at 120 UTF-8 bytes.
    """
    path = Path(source)
    stem = unicodedata.normalize("NFC", path.stem)
    stem = re.sub(r"[^\w.-]+", "-", stem).strip("._-")
    stem = stem.encode("utf-8")[:120].decode("utf-8", "ignore").strip("._-") or "report"
    suffix = path.suffix.lower().lstrip(".")
    return f"{stem}.{suffix}.html" if suffix in ("pdf", "docx", "md", "txt") else f"{stem}.html"


_NAME_TAIL = re.compile(r"(.*?)((?:\.(?:pdf|docx|md|txt))?\.html)")


def report_names(sources: Iterable[str]) -> dict[str, str]:
    """A distinct report file name for each source: ``a/draft.md`` and ``b/draft.md`` must not collide."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for source in sources:
        if source in names:
            continue
        name = safe_name(source)
        stem, tail = _NAME_TAIL.fullmatch(name).groups()
        n = 1
        while name.casefold() in taken:  # casefold: macOS and Windows folders ignore case
            n += 1
            name = f"{stem}-{n}{tail}"
        taken.add(name.casefold())
        names[source] = name
    return names


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(result: GradeResult, out_dir: str | os.PathLike[str], generated: str | None = None,
                 name: str | None = None) -> Path:
    """Write the report into ``out_dir`` and return its path. Never overwrites the input file.

    ``name`` is the file name to use (see ``report_names``); by default it is derived from the input's.
    """
    target = Path(out_dir) / (name or safe_name(result.file))
    if target.resolve() == Path(result.file).resolve():
        target = target.with_name(target.stem + ".report.html")
    write_atomic(target, render_html(result, generated))
    return target
