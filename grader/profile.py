"""Where one file's grading time goes: a stage timer for ``grader check --profile``.

The pipeline marks its stages with ``with stage("read"):``. When no profile is being taken (always,
except under ``--profile``) a stage costs one context-variable lookup and times nothing. Stages
nest: the time of an inner stage (PDF layout inside the reader) is taken out of the outer one, so
every moment is counted once and the stages add up to the time they cover. Work done once a process
(importing spaCy and a reader, building the rubric's matchers) is its own stage, "start-up", kept
apart from the file's stages.

    with profiling() as prof:
        result = grade("draft.pdf")
    print(prof.table())
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from time import perf_counter

STAGES = ("read", "layout", "analysis", "checks", "report")
STARTUP = "start-up"
DESCRIPTIONS = {
    "read": "opening the file and extracting its text",
    "layout": "lines and blocks from the text (PDF); the page count (DOCX)",
    "analysis": "sentences and vocabulary matches",
    "checks": "the rubric's criteria (and the amounts they read)",
    "report": "rendering the output",
}

_current: ContextVar[Profile | None] = ContextVar("grader_profile", default=None)


class Profile:
    """Exclusive time per stage, in seconds, and the wall time the profile was open."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.wall = 0.0
        self._open: list[list[float]] = []  # [start, time spent in inner stages] per open stage
        self._start = 0.0
        self._token: Token | None = None

    def stop(self) -> Profile:
        """Stop taking this profile (started by ``start()``) and record the wall time; returns it."""
        if self._token is not None:
            self.wall = perf_counter() - self._start
            _current.reset(self._token)
            self._token = None
        return self

    def _enter(self) -> None:
        self._open.append([perf_counter(), 0.0])

    def _exit(self, name: str) -> None:
        start, inner = self._open.pop()
        elapsed = perf_counter() - start
        self.seconds[name] = self.seconds.get(name, 0.0) + elapsed - inner
        if self._open:
            self._open[-1][1] += elapsed

    @property
    def file_seconds(self) -> float:
        """The time spent on the file itself: the stages, without the process's start-up."""
        return sum(self.seconds.get(name, 0.0) for name in STAGES)

    def rows(self) -> list[tuple[str, float, float | None]]:
        """(stage, milliseconds, percent of the file's time) for each stage, then the file's total; then
        the process's start-up and the whole run, which have no percentage."""
        total = self.file_seconds
        rows: list[tuple[str, float, float | None]] = [
            (name, self.seconds.get(name, 0.0) * 1000, 100 * self.seconds.get(name, 0.0) / total if total else 0.0)
            for name in STAGES
        ]
        rows.append(("file", total * 1000, 100.0 if total else 0.0))
        rows.append((STARTUP, self.seconds.get(STARTUP, 0.0) * 1000, None))
        if self.wall:
            rows.append(("wall", self.wall * 1000, None))
        return rows

    def table(self, title: str = "") -> str:
        """A small plain-text table: stage, ms, % of the file's time, what the stage covers."""
        notes = {
            **DESCRIPTIONS,
            "file": "the stages above",
            STARTUP: "importing spaCy and the reader, loading the rubric, building its matchers: once a process",
            "wall": "the whole command",
        }
        lines = [title] if title else []
        lines.append(f"{'stage':<9} {'ms':>8} {'%':>6}")
        for name, ms, pct in self.rows():
            share = f"{pct:5.1f}%" if pct is not None else ""
            lines.append(f"{name:<9} {ms:>8.1f} {share:>6}  {notes.get(name, '')}".rstrip())
        return "\n".join(lines)


class _Stage:
    __slots__ = ("_name", "_profile")

    def __init__(self, profile: Profile, name: str) -> None:
        self._profile, self._name = profile, name

    def __enter__(self) -> None:
        self._profile._enter()

    def __exit__(self, *exc: object) -> None:
        self._profile._exit(self._name)


class _Off:
    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_OFF = _Off()


def stage(name: str) -> _Stage | _Off:
    """A context manager timing ``name`` in the current profile; a no-op when none is being taken."""
    profile = _current.get()
    return _OFF if profile is None else _Stage(profile, name)


def start() -> Profile:
    """Start taking a profile in this thread or task; ``stop()`` it to read it."""
    profile = Profile()
    profile._token = _current.set(profile)
    profile._start = perf_counter()
    return profile


@contextmanager
def profiling() -> Iterator[Profile]:
    """Take a profile of everything run inside the ``with`` block (in this thread or task)."""
    profile = start()
    try:
        yield profile
    finally:
        profile.stop()
