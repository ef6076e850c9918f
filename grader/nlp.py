"""The spaCy pipeline: a blank English model with rule components, built once per process.

Nothing is downloaded. Vocabularies come from the rubric: plain phrases go to a PhraseMatcher,
phrases with wildcards (``tun*``) or alternatives (``tun*|optimi*``) to a small first-token-indexed
matcher, which costs a fraction of spaCy's Matcher with REGEX predicates.
"""

from __future__ import annotations

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


Spec = tuple[frozenset[str], tuple[str, ...]]  # exact words, prefixes (``tun*`` -> "tun")


def _spec(word: str) -> Spec:
    exact, prefixes = set(), []
    for alt in word.lower().split("|"):
        if alt.endswith("*"):
            prefixes.append(alt[:-1])
        else:
            exact.add(alt)
    return frozenset(exact), tuple(prefixes)


def _fits(spec: Spec, token: str) -> bool:
    exact, prefixes = spec
    if token in exact:
        return True
    for prefix in prefixes:
        if token.startswith(prefix):
            rest = token[len(prefix):]
            if not rest or rest.replace("_", "").isalnum():
                return True
    return False


class WildcardMatcher:
    """Token patterns with prefix wildcards and alternatives, indexed by their first token.

    spaCy's Matcher with REGEX predicates costs several times a PhraseMatcher; here each token
    costs a few dictionary lookups, and only patterns whose first word fits are tried further.
    """

    def __init__(self) -> None:
        self._patterns: list[tuple[str, tuple[Spec, ...]]] = []
        self._by_word: dict[str, list[int]] = {}
        self._by_prefix: dict[int, dict[str, list[int]]] = {}
        # word -> the patterns whose first spec it fits, in the order they are tried; most words have none.
        self._fitting: dict[str, tuple[int, ...]] = {}

    def add(self, label: str, specs: list[Spec]) -> None:
        self._fitting.clear()
        index = len(self._patterns)
        self._patterns.append((label, tuple(specs)))
        exact, prefixes = specs[0]
        for word in exact:
            self._by_word.setdefault(word, []).append(index)
        for prefix in prefixes:
            self._by_prefix.setdefault(len(prefix), {}).setdefault(prefix, []).append(index)

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def _starting(self, word: str) -> tuple[int, ...]:
        """The patterns whose first word ``word`` fits: exact words first, then prefixes, shortest first."""
        candidates = list(self._by_word.get(word, ()))
        for n in sorted(self._by_prefix):
            if n > len(word):
                break
            candidates.extend(self._by_prefix[n].get(word[:n], ()))
        return tuple(i for i in dict.fromkeys(candidates) if _fits(self._patterns[i][1][0], word))

    def __call__(self, words: Sequence[str]) -> Iterable[tuple[str, int, int]]:
        fitting = self._fitting
        if len(fitting) > 200_000:  # a bound on the cache of words seen, for a long-lived process
            fitting.clear()
        for i, word in enumerate(words):
            found = fitting.get(word)
            if found is None:
                found = fitting[word] = self._starting(word)
            for index in found:
                label, specs = self._patterns[index]
                end = i + len(specs)
                if end <= len(words) and all(_fits(spec, words[i + k]) for k, spec in enumerate(specs[1:], start=1)):
                    yield label, i, end


class Vocabularies:
    """All rubric vocabularies compiled into one PhraseMatcher and one WildcardMatcher.

    ``vocabularies`` maps a label (``"criterion-id/name"``) to its phrases.
    """

    def __init__(self, vocabularies: Mapping[str, Sequence[str]]) -> None:
        from spacy.matcher import PhraseMatcher

        nlp = pipeline()
        self.labels = tuple(vocabularies)
        self._phrase = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._pattern = WildcardMatcher()
        for label, phrases in vocabularies.items():
            plain = [p for p in phrases if not _is_pattern(p)]
            if plain:
                self._phrase.add(label, list(nlp.tokenizer.pipe(plain)))
            for p in phrases:
                if _is_pattern(p):
                    self._pattern.add(label, self._pattern_for(p))

    @staticmethod
    def _pattern_for(phrase: str) -> list[Spec]:
        """Token specs for a phrase: words split as the tokenizer splits them, wildcards kept."""
        nlp = pipeline()
        specs: list[Spec] = []
        for word in phrase.split():
            if "|" in word:
                specs.append(_spec(word))
                continue
            star = word.endswith("*")
            pieces = [t.text for t in nlp.make_doc(word.rstrip("*"))]
            for i, piece in enumerate(pieces):
                specs.append(_spec(piece + ("*" if star and i == len(pieces) - 1 else "")))
        return specs

    def matches(self, doc, lowers: Sequence[str] | None = None) -> Iterable[tuple[str, int, int]]:
        """(label, start token, end token) of every vocabulary phrase in a spaCy Doc."""
        strings = doc.vocab.strings
        for match_id, start, end in self._phrase(doc):
            yield strings[match_id], start, end
        if self._pattern:
            yield from self._pattern(lowers if lowers is not None else [t.lower_ for t in doc])
