"""Watch a draft: grade it again whenever it is saved, and say what changed since the last grade.

A save is noticed by polling the file's modification time and size (no dependency, no threads).
The clock is injected, so a test can rewrite the file between polls and stop after a few.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from .batch_history import Change, compare, draft_of
from .results import GradeResult

INTERVAL = 0.5  # seconds between polls

Signature = tuple[int, int]  # (mtime in ns, size in bytes)


def signature(path: str | os.PathLike[str]) -> Signature | None:
    """What changes when the file is saved; None while it is missing (an editor may save by renaming)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


@dataclass(frozen=True)
class Graded:
    """One grade of the watched file: the result (or why it could not be graded) and the change since the last."""

    number: int  # 1 for the first grade
    result: GradeResult | None
    error: str = ""
    change: Change | None = None  # None for the first grade, or when either grade is missing


def changes(previous: GradeResult, current: GradeResult, when: str = "") -> Change:
    """Score delta and the criteria whose verdict flipped, as ``grader batch`` reports them."""
    return compare(draft_of(previous, "", when), draft_of(current, "", when))


def watch(path: str | os.PathLike[str], grade: Callable[[str], GradeResult], report: Callable[[Graded], None], *,
          interval: float = INTERVAL, sleep: Callable[[float], None] = time.sleep, max_polls: int | None = None,
          describe_error: Callable[[BaseException], str] = str) -> int:
    """Grade ``path`` now and after every save until interrupted (or ``max_polls`` polls); return the grades made.

    ``grade`` may raise: the error is reported through ``describe_error`` and watching goes on, so a
    half-written file or a draft saved in a broken state only costs one report.
    """
    last: GradeResult | None = None
    count = 0

    def run() -> None:
        nonlocal last, count
        count += 1
        try:
            result = grade(str(path))
        except Exception as exc:  # noqa: BLE001 - the next save may fix it; keep watching
            report(Graded(count, None, error=describe_error(exc)))
            return
        change = changes(last, result) if last is not None else None
        last = result
        report(Graded(count, result, change=change))

    seen = signature(path)
    run()
    polls = 0
    while max_polls is None or polls < max_polls:
        sleep(interval)
        polls += 1
        now = signature(path)
        if now is None or now == seen:
            continue
        seen = now
        run()
    return count
