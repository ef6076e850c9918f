"""Expected failures. Each maps to an exit status and prints as one line, never a traceback."""

from __future__ import annotations

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_UNGRADABLE = 2
EXIT_USAGE = 3


class GraderError(Exception):
    """Base class for problems the user can act on."""

    exit_code = EXIT_UNGRADABLE
    advice = ""

    def __init__(self, message: str, advice: str | None = None) -> None:
        super().__init__(message)
        if advice is not None:
            self.advice = advice

    def line(self) -> str:
        """The one line shown to the user: what is wrong, then what to do."""
        msg = str(self)
        return f"{msg}; {self.advice}" if self.advice else msg


class UnreadableDocument(GraderError):
    """The file is corrupt, truncated, empty or not the format it claims."""

    advice = "re-export it from your editor as PDF or DOCX and try again"


class UnsupportedFormat(GraderError):
    advice = "save the submission as .pdf or .docx"


class EncryptedDocument(GraderError):
    advice = "export an unprotected copy (no password) and grade that"


class NoTextLayer(GraderError):
    advice = "export the PDF from your editor instead of scanning it, or run OCR on it first"


class HostileDocument(GraderError):
    """The file looks built to exhaust memory or time (zip bomb, entity expansion...)."""

    advice = "re-save it from your editor; the grader will not unpack it"


class OversizedDocument(GraderError):
    """Legitimate in form, but far bigger than a take-home; reading it would cost too much memory or time."""

    advice = "shorten it, or export a PDF (the grader reads only the first pages of a long PDF)"


class RubricError(GraderError):
    """A rubric file is missing or malformed. The message names the file and the key."""

    exit_code = EXIT_USAGE
    advice = ""


def describe(exc: BaseException) -> tuple[int, str]:
    """The exit status and the one line for a file that could not be graded, whatever went wrong."""
    if isinstance(exc, GraderError):
        return exc.exit_code, exc.line()
    name = type(exc).__name__
    return EXIT_UNGRADABLE, (f"could not be graded (internal {name}: {str(exc)[:120]}); "
                             "re-export the file as PDF or DOCX, and report this if it persists")
