"""Spies for tests that check what a reader did not do (decompress a bomb, build every page), instead of
how long it took."""

from __future__ import annotations

import zipfile


def refuse_decompression(monkeypatch) -> None:
    """Make decompressing any part of a ZIP package fail the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a part was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)


def spy_page_prefix(monkeypatch) -> list[tuple]:
    """What the PDF reader's page walk returned: (pages in hand, total, exact, recovered) per file;
    building every page of the file (pypdf's ``reader.pages``) fails the test."""
    import pypdf

    from grader.readers import pdf

    real, seen = pdf._page_prefix, []

    def spy(reader, limit):
        seen.append(real(reader, limit))
        return seen[-1]

    def every_page(*args, **kwargs):
        raise AssertionError("pypdf built every page of the file")

    monkeypatch.setattr(pdf, "_page_prefix", spy)
    monkeypatch.setattr(pypdf.PdfReader, "_flatten", every_page)  # what reader.pages does first
    return seen
