"""The spaCy pipeline: a blank English model with rule components, built once per process.

Nothing is downloaded. Vocabularies come from the rubric: plain phrases go to a PhraseMatcher
(cheap), phrases with wildcards (``tun*``) or alternatives (``tun*|optimi*``) go to a Matcher.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

MAX_CHARS_PER_BLOCK = 20_000


@lru_cache(maxsize=1)
def pipeline() -> Language:
    import spacy

    nlp = spacy.blank("en")
    # Abbreviations that end in a period but do not end a sentence in money and business prose.
    for abbr in ("Mio.", "Mrd.", "Mln.", "mln.", "mio.", "mrd.", "bn.", "approx.", "Approx.", "ca.", "p.a.",
                 "incl.", "excl.", "vs.", "est.", "Est.", "avg.", "Avg.", "resp.", "cf.", "Fig.", "fig."):
        nlp.tokenizer.add_special_case(abbr, [{"ORTH": abbr}])
    nlp.add_pipe("sentencizer")
    nlp.max_length = 2_000_000
    return nlp


def _is_pattern(phrase: str) -> bool:
    return "*" in phrase or "|" in phrase


def _token_spec(word: str) -> dict:
    alternatives = []
    for alt in word.split("|"):
        if alt.endswith("*"):
            alternatives.append(re.escape(alt[:-1].lower()) + r"\w*")
        else:
            alternatives.append(re.escape(alt.lower()))
    return {"LOWER": {"REGEX": "^(?:" + "|".join(alternatives) + ")$"}}


class Vocabularies:
    """All rubric vocabularies compiled into one PhraseMatcher and one Matcher.

    ``vocabularies`` maps a label (``"criterion-id/name"``) to its phrases.
    """

    def __init__(self, vocabularies: Mapping[str, Sequence[str]]) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        nlp = pipeline()
        self.labels = tuple(vocabularies)
        self._phrase = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._pattern = Matcher(nlp.vocab)
        self._has_patterns = False
        for label, phrases in vocabularies.items():
            plain = [p for p in phrases if not _is_pattern(p)]
            if plain:
                self._phrase.add(label, list(nlp.tokenizer.pipe(plain)))
            patterns = [self._pattern_for(p) for p in phrases if _is_pattern(p)]
            if patterns:
                self._pattern.add(label, patterns)
                self._has_patterns = True

    @staticmethod
    def _pattern_for(phrase: str) -> list[dict]:
        """Token specs for a phrase: words split as the tokenizer splits them, wildcards kept."""
        nlp = pipeline()
        specs: list[dict] = []
        for word in phrase.split():
            if "|" in word:
                specs.append(_token_spec(word))
                continue
            star = word.endswith("*")
            pieces = [t.text for t in nlp.make_doc(word.rstrip("*"))]
            for i, piece in enumerate(pieces):
                specs.append(_token_spec(piece + ("*" if star and i == len(pieces) - 1 else "")))
        return specs

    def matches(self, doc) -> Iterable[tuple[str, int, int]]:
        strings = doc.vocab.strings
        for match_id, start, end in self._phrase(doc):
            yield strings[match_id], start, end
        if self._has_patterns:
            for match_id, start, end in self._pattern(doc):
                yield strings[match_id], start, end
