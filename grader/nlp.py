"""The spaCy pipeline: a blank English model with rule components, built once per process.

Nothing is downloaded. Vocabularies come from the rubric: plain phrases go to a PhraseMatcher,
phrases with wildcards (``tun*``) or alternatives (``tun*|optimi*``) to a small first-token-indexed
matcher, which costs a fraction of spaCy's Matcher with REGEX predicates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from itertools import compress, count
from operator import add
from typing import TYPE_CHECKING, Any

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


class _Memo(dict):
    """A function's results by argument, each computed on the first lookup, also when C code looks it
    up (``map(memo.__getitem__, words)`` costs no Python-level step per word)."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        super().__init__()
        self._function = function

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self._function(key)
        return value


@lru_cache(maxsize=1)
def sentence_finals() -> frozenset[str]:
    """The punctuation the pipeline's sentencizer ends sentences at (one object, so caches keyed on it
    hash it once)."""
    return frozenset(pipeline().get_pipe("sentencizer").punct_chars)


_COLUMNS = ("IDX", "LENGTH", "LOWER")  # attribute names: importing spacy.attrs would import spaCy


@lru_cache(maxsize=1)
def _lower_strings() -> _Memo:
    """spaCy's lower-case string of each LOWER hash, remembered: the string store's lookup costs more."""
    return _Memo(pipeline().vocab.strings.__getitem__)


def token_columns(doc) -> tuple[list[int], list[int], list[str]]:
    """Each token's start and end character and its lower-cased text (spaCy's ``lower_``, ``str.lower()``
    of the token), from spaCy's arrays: a Token object per token would cost more than all of these."""
    idxs, lengths, lower = doc.to_array(_COLUMNS).T.tolist()
    strings = _lower_strings()
    if len(strings) > 200_000:  # a bound on the remembered strings, for a long-lived process
        strings.clear()
    return idxs, list(map(add, idxs, lengths)), list(map(strings.__getitem__, lower))


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
    costs one dictionary lookup (made from C, see ``__call__``), and only patterns whose first word
    fits are tried further.
    """

    def __init__(self) -> None:
        self._patterns: list[tuple[str, tuple[Spec, ...]]] = []
        self._by_word: dict[str, list[int]] = {}
        self._by_prefix: dict[int, dict[str, list[int]]] = {}
        # word -> the patterns whose first spec it fits, in the order they are tried; most words have none.
        self._fitting = _Memo(self._starting)

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

    def __call__(self, words: Sequence[str]) -> list[tuple[str, int, int]]:
        """(label, start, end) of each match, by start, then in the order the patterns were added."""
        fitting = self._fitting
        if len(fitting) > 200_000:  # a bound on the cache of words seen, for a long-lived process
            fitting.clear()
        out = []
        patterns, n = self._patterns, len(words)
        # Most words start no pattern: the positions of those that do are picked without a Python-level
        # step per word. Most patterns are one word long, and need no further test.
        for i in compress(count(), map(fitting.__getitem__, words)):
            for index in fitting[words[i]]:
                label, specs = patterns[index]
                end = i + len(specs)
                if end == i + 1 or (end <= n and all(map(_fits, specs[1:], words[i + 1:end]))):
                    out.append((label, i, end))
        return out


class Vocabularies:
    """All rubric vocabularies compiled into one PhraseMatcher and one WildcardMatcher.

    ``vocabularies`` maps a label (``"criterion-id/name"``) to its phrases.
    """

    def __init__(self, vocabularies: Mapping[str, Sequence[str]]) -> None:
        from spacy.matcher import PhraseMatcher

        nlp = pipeline()
        self.labels = tuple(vocabularies)
        self._phrase = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._label_of = {nlp.vocab.strings.add(label): label for label in self.labels}  # match id -> label
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

    def matches(self, doc, lowers: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
        """(label, start token, end token) of every vocabulary phrase in a spaCy Doc: the plain phrases'
        in spaCy's order, then the patterns'. ``lowers`` are the tokens' lower-cased texts, if known."""
        label_of = self._label_of
        found = [(label_of[match_id], start, end) for match_id, start, end in self._phrase(doc)]
        if self._pattern:
            found += self._pattern(lowers if lowers is not None else [t.lower_ for t in doc])
        return found
