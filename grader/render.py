"""Page counts from a real layout engine: LibreOffice converts the DOCX to PDF, pypdf counts the pages.

A DOCX has no fixed pages: Word lays it out when it opens it, and the count stored in the file is
whatever the last editor saw. When ``soffice`` is installed, the grader renders the file headless,
in a private throw-away profile and under a time limit, and counts the pages of the PDF. Counts
are cached by the file's content (sha256), so grading an unchanged file again costs a hash and a
JSON lookup. ``render_page_counts`` converts many files in one LibreOffice start.

Renderer names: ``auto`` (LibreOffice when it is installed, else the estimate), ``libreoffice``
(LibreOffice or an error) and ``none`` (always the estimate).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import EXIT_USAGE, GraderError
from .paths import cache_dir, read_own_json, write_atomic

RENDERERS = ("auto", "libreoffice", "none")
TIMEOUT = 60.0  # seconds for one file; a batch gets PER_FILE more for each further file
PER_FILE = 10.0
BATCH_SIZE = 25  # files per LibreOffice start: one bad file costs at most one batch's time limit
MAX_ENTRIES = 5000
CACHE_VERSION = 1
_MAC_SOFFICE = "/Applications/LibreOffice.app/Contents/MacOS/soffice"


class RendererUnavailable(GraderError):
    """``--renderer libreoffice`` was asked for and LibreOffice is not installed: a usage problem (exit 3)."""

    exit_code = EXIT_USAGE
    advice = ("install LibreOffice (Debian/Ubuntu: apt-get install libreoffice-writer-nogui; "
              "macOS: brew install --cask libreoffice), or use --renderer auto")


class RenderFailed(Exception):
    """LibreOffice ran but produced no usable PDF (timeout, crash, unreadable output)."""


@dataclass(frozen=True)
class Rendered:
    """A rendered page count and how it was had."""

    pages: int
    cached: bool
    seconds: float = 0.0


def check_renderer(renderer: str | None) -> str:
    """The renderer name to use (``None`` reads ``$GRADER_RENDERER``, default ``auto``); refuse unknown names
    and a LibreOffice that is not there."""
    name = (renderer or os.environ.get("GRADER_RENDERER") or "auto").strip().lower()
    if name not in RENDERERS:
        raise RendererUnavailable(f"unknown renderer {name!r}", f"use one of: {', '.join(RENDERERS)}")
    if name == "libreoffice" and find_soffice() is None:
        raise RendererUnavailable("--renderer libreoffice: LibreOffice (soffice) is not installed")
    return name


def find_soffice() -> str | None:
    """The LibreOffice executable: ``$GRADER_SOFFICE``, else ``soffice`` or ``libreoffice`` on PATH."""
    override = os.environ.get("GRADER_SOFFICE")
    if override:
        return override if os.access(override, os.X_OK) else shutil.which(override)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return _MAC_SOFFICE if os.access(_MAC_SOFFICE, os.X_OK) else None


def content_hash(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class PageCache:
    """Rendered page counts by content hash, in one small JSON file. A corrupt or unreadable cache
    is treated as empty; writes go to a temporary file that replaces the old one."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(folder or cache_dir()) / "pages.json"

    def entries(self) -> dict[str, dict]:
        """Every valid entry: content hash -> {"pages": n, "at": when it was rendered}."""
        data = read_own_json(self.path)
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return {}
        entries = data.get("pages")
        if not isinstance(entries, dict):
            return {}
        return {k: v for k, v in entries.items() if isinstance(v, dict) and _valid(v.get("pages"))}

    def get(self, digest: str) -> int | None:
        entry = self.entries().get(digest)
        return entry["pages"] if entry else None

    def put(self, counts: dict[str, int]) -> None:
        """Add counts (re-reading the file first, so concurrent graders lose little); never raises."""
        if not counts:
            return
        entries = self.entries()
        now = int(time.time())
        for digest, pages in counts.items():
            entries[digest] = {"pages": pages, "at": now}
        if len(entries) > MAX_ENTRIES:  # drop the oldest
            keep = sorted(entries.items(), key=lambda kv: kv[1].get("at", 0) if isinstance(kv[1].get("at"), int) else 0)
            entries = dict(keep[-MAX_ENTRIES:])
        with contextlib.suppress(OSError):  # an unwritable cache only costs a render next time
            write_atomic(self.path, json.dumps({"version": CACHE_VERSION, "pages": entries}, separators=(",", ":")))


def _valid(pages: object) -> bool:
    return isinstance(pages, int) and not isinstance(pages, bool) and pages > 0


class NotCached(Exception):  # noqa: N818 - a signal, not a failure
    """A page count that is not cached, where rendering it is not allowed (``cached_counts_only``)."""


_cached_only = False


def cached_counts_only() -> None:
    """From now on in this process, a page count missing from the cache raises NotCached instead of
    starting LibreOffice: for the batch's read-ahead process, which is killed when spaCy has loaded,
    and must not leave a LibreOffice or its temporary folder behind."""
    global _cached_only
    _cached_only = True


def render_page_count(path: str | os.PathLike[str], *, timeout: float = TIMEOUT,
                      cache: PageCache | None = None, soffice: str | None = None) -> Rendered:
    """The page count of one DOCX as LibreOffice lays it out, cached by content. Raises RenderFailed when
    LibreOffice fails or times out, RendererUnavailable when it is not installed."""
    cache = cache or PageCache()
    digest = content_hash(path)
    hit = cache.get(digest)
    if hit is not None:
        return Rendered(hit, cached=True)
    if _cached_only:
        raise NotCached(os.fspath(path))
    started = time.monotonic()
    counts, error = _convert([(digest, Path(path))], soffice or _require_soffice(), timeout)
    if digest not in counts:
        raise RenderFailed(error or "LibreOffice produced no PDF")
    cache.put({digest: counts[digest]})
    return Rendered(counts[digest], cached=False, seconds=time.monotonic() - started)


def render_page_counts(paths: Iterable[str | os.PathLike[str]], *, timeout: float = TIMEOUT,
                       cache: PageCache | None = None, soffice: str | None = None) -> dict[str, int]:
    """Rendered page counts for many DOCX files, keyed by the path as given; files LibreOffice could
    not convert are left out (grade them with the estimate). Cached files cost no conversion, and
    the rest are converted ``BATCH_SIZE`` at a time, each batch in one LibreOffice start. Raises
    RendererUnavailable when a file needs rendering and LibreOffice is not installed. A grader run
    afterwards (``grade(path)``, in this process or another) finds the counts in the same cache."""
    cache = cache or PageCache()
    entries = cache.entries()
    out: dict[str, int] = {}
    todo: dict[str, list[str]] = {}
    for p in paths:
        key = os.fspath(p)
        try:
            digest = content_hash(key)
        except OSError:
            continue
        if digest in entries:
            out[key] = entries[digest]["pages"]
        else:
            todo.setdefault(digest, []).append(key)
    if not todo:
        return out
    exe = soffice or _require_soffice()
    jobs = [(digest, Path(keys[0])) for digest, keys in todo.items()]
    fresh: dict[str, int] = {}
    for i in range(0, len(jobs), BATCH_SIZE):
        chunk = jobs[i:i + BATCH_SIZE]
        counts, _ = _convert(chunk, exe, timeout + PER_FILE * (len(chunk) - 1))
        fresh.update(counts)
    cache.put(fresh)
    for digest, keys in todo.items():
        if digest in fresh:
            out.update(dict.fromkeys(keys, fresh[digest]))
    return out


def _require_soffice() -> str:
    exe = find_soffice()
    if exe is None:
        raise RendererUnavailable("LibreOffice (soffice) is not installed")
    return exe


def _convert(jobs: list[tuple[str, Path]], soffice: str, timeout: float) -> tuple[dict[str, int], str]:
    """Convert (digest, path) pairs to PDF in one LibreOffice run: ({digest: pages}, what went wrong or '').

    Each input is copied under a neutral name (``0.docx``…), so two files with the same name in
    different folders cannot overwrite each other's PDF, and no odd file name reaches the command line.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    out: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="grader-render-") as tmp:
        work = Path(tmp)
        inputs = []
        for i, (_, path) in enumerate(jobs):
            suffix = path.suffix.lower() if path.suffix.lower() in (".docx", ".docm", ".dotx", ".dotm") else ".docx"
            target = work / f"{i}{suffix}"
            shutil.copyfile(path, target)
            inputs.append(target.name)
        profile = (work / "profile").as_uri()
        cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--invisible", "--nologo",
               "--nodefault", "--norestore", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export",
               "--outdir", str(work / "pdf"), *inputs]
        env = {**os.environ, "HOME": str(work), "SAL_USE_VCLPLUGIN": "svp"}
        error = _run(cmd, work, env, timeout)
        for i, (digest, _) in enumerate(jobs):
            pdf = work / "pdf" / f"{i}.pdf"
            if not pdf.is_file():
                continue
            try:
                pages = len(PdfReader(str(pdf)).pages)
            except (PdfReadError, OSError, ValueError, KeyError):
                continue
            if pages > 0:
                out[digest] = pages
    return out, error


def _run(cmd: list[str], cwd: Path, env: dict, timeout: float) -> str:
    """Run LibreOffice in its own process group; on timeout kill the whole group. '' when it exited."""
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        return f"LibreOffice could not start ({exc.strerror or exc})"
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return f"LibreOffice took longer than {timeout:g} s and was stopped"
    finally:
        _kill_group(proc)  # also any helper process it left behind in its group
    if proc.returncode:
        tail = (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return f"LibreOffice exited with status {proc.returncode} {tail[0][:120]}".strip()
    return ""


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    except AttributeError:  # no process groups (Windows)
        if proc.poll() is None:
            proc.kill()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
