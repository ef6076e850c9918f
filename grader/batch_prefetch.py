"""Read the first files of a batch in a child process while the batch process loads spaCy.

Before forking its workers, a batch spends most of a second importing spaCy and building the
rubric's matchers, on one core; the other cores wait. Reading a PDF or DOCX needs none of that, so a
child forked before the import reads files in batch order meanwhile and sends their Documents back.
Once the import is done the child is stopped, and the workers grade the Documents it read (analysis
and checks only) before reading the rest themselves.

Only Documents come back. A file the child cannot read, or has not finished when it is stopped,
goes to the workers like any other, so their time limit, memory cap and error lines stay the only
ones; the child's reading is an optimisation that can be lost without consequence (it is killed if
it does not stop at once).
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Sequence

from .document import Document
from .rubric import Rubric

_DONE = b"done"  # the reader's last message (a pickle never equals it)
STOP_WAIT = 0.5  # seconds the reader gets to finish its current file once asked to stop


def _reader(conn, tasks: Sequence[tuple[int, str]], stop, rubric: Rubric, max_memory_mb: int) -> None:
    """The child: read files in order until told to stop; send (index, Document) for each one read."""
    from .batch_pool import limit_memory
    from .grading import read
    from .render import cached_counts_only

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(max_memory_mb)
    cached_counts_only()  # a DOCX whose rendered page count is not cached is left to the workers
    try:
        for index, path in tasks:
            if stop.is_set():
                break
            try:
                document = read(path, rubric)
            except BaseException:  # noqa: BLE001 - the workers read it again and say what is wrong
                continue
            conn.send_bytes(pickle.dumps((index, document), protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, EOFError):
        pass
    finally:
        try:
            conn.send_bytes(_DONE)
        except (OSError, EOFError):
            pass
        conn.close()


class Prefetch:
    """A reader child and the thread that takes in what it sends (so its pipe never fills)."""

    def __init__(self, ctx, tasks: Sequence[tuple[int, str]], rubric: Rubric, max_memory_mb: int) -> None:
        self.documents: dict[int, Document] = {}
        self._received: list[bytes] = []
        receive, send = ctx.Pipe(duplex=False)
        self._stop = ctx.Event()
        self._proc = ctx.Process(target=_reader, args=(send, list(tasks), self._stop, rubric, max_memory_mb),
                                 name="grader-reader", daemon=True)
        self._proc.start()
        send.close()
        self._conn = receive
        self._thread = threading.Thread(target=self._take, name="grader-reader-pipe", daemon=True)
        self._thread.start()

    def _take(self) -> None:
        """Take the reader's messages as bytes: unpickling them here would hold the interpreter lock
        the import in the main thread needs. ``finish`` unpickles them."""
        try:
            while True:
                message = self._conn.recv_bytes()
                if message == _DONE:
                    return
                self._received.append(message)
        except (OSError, EOFError):
            return  # the reader died or was killed: what arrived is kept

    @property
    def received(self) -> int:
        """Documents received so far."""
        return len(self._received)

    def finish(self) -> dict[int, Document]:
        """Stop the reader and return the Documents it read, by task index."""
        try:
            self._stop.set()
            self._thread.join(STOP_WAIT)  # it ends when the reader, done with its file, says so
        finally:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join()
        self._thread.join(STOP_WAIT)  # the reader is gone, so the pipe reads as closed
        if not self._thread.is_alive():  # never close a pipe a thread still reads (its number is reused)
            self._conn.close()
        for message in self._received:
            try:
                index, document = pickle.loads(message)
            except Exception:  # noqa: BLE001 - a message cut short: that file is read by a worker
                continue
            self.documents[index] = document
        self._received.clear()
        return dict(self.documents)


def can_prefetch(ctx, jobs: int, tasks: Sequence, custom_grading: bool) -> bool:
    """Worth a reader: forked workers (the import is shared), several of them, several files, and
    the standard grading (a custom grading function reads files its own way)."""
    return (ctx.get_start_method() == "fork" and jobs >= 2 and len(tasks) >= 2 and not custom_grading
            and os.environ.get("GRADER_PREFETCH", "1") != "0")
