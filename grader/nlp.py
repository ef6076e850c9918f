"""The spaCy pipeline: a blank English model with rule components, built once per process.

Nothing is downloaded. Vocabularies come from the rubric: plain phrases go to a first-word index that
finds what spaCy's PhraseMatcher would, phrases with wildcards (``tun*``) or alternatives
(``tun*|optimi*``) to a small first-token-indexed matcher, which costs a fraction of spaCy's Matcher
with REGEX predicates. Neither needs a spaCy Doc per phrase, so a rubric compiles in milliseconds.
"""

from __future__ import annotations

import gc
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
    if _freeze["after_load"]:
        gc.freeze()
    return nlp


_freeze = {"after_load": False}


def freeze_after_load() -> None:
    """Freeze the garbage collector's view of everything loaded once spaCy is (``gc.freeze``), in a
    process the grader owns: the command line, and through it a batch and its forked workers.

    spaCy and its dependencies live as long as the process; frozen, the collector stops walking them,
    so a full collection no longer costs ~40 ms of a ``grader check``, and forked workers share those
    pages instead of copying them when the collector touches them. A program that imports the grader
    as a library is left alone: freezing would also keep its own garbage from being collected.
    """
    _freeze["after_load"] = True
    if pipeline.cache_info().currsize:
        gc.freeze()


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


def _plain_words(text: str, rules: Mapping[str, Any]) -> list[str] | None:
    """The words of ``text`` when the tokenizer makes exactly one token of each: runs of ASCII letters
    between single spaces, none of them one of its special cases ("cannot" is two tokens). Affix and
    infix rules split only at punctuation, digits and symbols. None for any other text."""
    words = text.split(" ")
    if all(w.isascii() and w.isalpha() and w not in rules for w in words):
        return words
    return None


def _joinable(text: str) -> bool:
    """A text the tokenizer splits the same way alone as between two newlines: no whitespace at its
    edges and none but plain spaces inside (the tokenizer splits each run of non-space characters on
    its own, and a newline is a token of its own)."""
    return (bool(text) and not text[0].isspace() and not text[-1].isspace()
            and all(c == " " or not c.isspace() for c in text))


def lowered_tokens(texts: Sequence[str]) -> list[tuple[str, ...]]:
    """Each text's tokens, lower-cased, as ``pipeline().make_doc(text)`` gives them.

    Building a rubric's matchers once cost a spaCy Doc per phrase, and spaCy's bookkeeping for every
    word it had not seen, about 35 ms of each ``grader check``. Most phrases are plain words, which the
    tokenizer keeps whole; the others are tokenized together, in one Doc of them joined by newlines.
    """
    nlp = pipeline()
    rules = nlp.tokenizer.rules
    out: list[tuple[str, ...] | None] = []
    for text in texts:
        words = _plain_words(text, rules)
        out.append(tuple(w.lower() for w in words) if words is not None else None)
    joint = [i for i, words in enumerate(out) if words is None and _joinable(texts[i])]
    if joint:
        lowers = token_columns(nlp.make_doc("\n".join(texts[i] for i in joint)))[2]
        pieces: list[tuple[str, ...]] = []
        start = 0
        for k, word in enumerate(lowers):
            if word == "\n":
                pieces.append(tuple(lowers[start:k]))
                start = k + 1
        pieces.append(tuple(lowers[start:]))
        if len(pieces) == len(joint):  # always, by _joinable; else each is tokenized alone below
            for i, piece in zip(joint, pieces, strict=True):
                out[i] = piece
    return [words if words is not None else tuple(token_columns(nlp.make_doc(text))[2])
            for words, text in zip(out, texts, strict=True)]


class PhraseIndex:
    """Plain phrases found in a text's lower-cased tokens: the matches spaCy's ``PhraseMatcher`` with
    ``attr="LOWER"`` finds, indexed by first word, without a spaCy Doc per phrase to build it."""

    def __init__(self) -> None:
        self._adding: dict[str, dict[tuple[str, ...], list[str]]] = {}
        self._by_first: dict[str, tuple[tuple[str, ...], dict[str, tuple]]] | None = None

    def add(self, label: str, words: tuple[str, ...]) -> None:
        if words:
            labels = self._adding.setdefault(words[0], {}).setdefault(words, [])
            if label not in labels:
                labels.append(label)
            self._by_first = None

    def _index(self) -> dict:
        """First word -> (labels of the one-word phrase, second word -> (length, the words after the
        second, labels) of the longer phrases, shortest first). Common first words ("we", "the") start
        many phrases; indexing the second word too keeps the candidates at each position few."""
        index = {}
        for first, phrases in self._adding.items():
            singles: tuple[str, ...] = ()
            by_second: dict[str, list] = {}
            for words, labels in phrases.items():
                if len(words) == 1:
                    singles = tuple(labels)
                else:
                    by_second.setdefault(words[1], []).append((len(words), words[2:], tuple(labels)))
            index[first] = (singles, {w: tuple(sorted(c, key=lambda entry: entry[0])) for w, c in by_second.items()})
        return index

    def __call__(self, lowers: Sequence[str]) -> list[tuple[str, int, int]]:
        """(label, start, end) of each match, by start, then length, then the order the labels came in."""
        if self._by_first is None:
            self._by_first = self._index()
        by_first, n = self._by_first, len(lowers)
        out = []
        for i in compress(count(), map(by_first.__contains__, lowers)):
            singles, by_second = by_first[lowers[i]]
            for label in singles:
                out.append((label, i, i + 1))
            if by_second and i + 1 < n:
                for length, rest, labels in by_second.get(lowers[i + 1], ()):
                    end = i + length
                    if end <= n and (length == 2 or tuple(lowers[i + 2:end]) == rest):
                        out.extend((label, i, end) for label in labels)
        return out


class Vocabularies:
    """All rubric vocabularies compiled into one PhraseIndex and one WildcardMatcher.

    ``vocabularies`` maps a label (``"criterion-id/name"``) to its phrases.
    """

    def __init__(self, vocabularies: Mapping[str, Sequence[str]]) -> None:
        self.labels = tuple(vocabularies)
        self._phrase = PhraseIndex()
        self._pattern = WildcardMatcher()
        plain = [(label, p) for label, phrases in vocabularies.items() for p in phrases if not _is_pattern(p)]
        patterns = [(label, p) for label, phrases in vocabularies.items() for p in phrases if _is_pattern(p)]
        for (label, _), words in zip(plain, lowered_tokens([p for _, p in plain]), strict=True):
            self._phrase.add(label, words)
        # A pattern's words are split as the tokenizer splits them; "tun*|optimi*" is one alternative.
        pieces = iter(lowered_tokens([w.rstrip("*") for _, p in patterns for w in p.split() if "|" not in w]))
        for label, p in patterns:
            specs: list[Spec] = []
            for word in p.split():
                if "|" in word:
                    specs.append(_spec(word))
                    continue
                star = word.endswith("*")
                parts = next(pieces)
                specs.extend(_spec(part + ("*" if star and i == len(parts) - 1 else "")) for i, part in enumerate(parts))
            self._pattern.add(label, specs)

    def matches(self, doc, lowers: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
        """(label, start token, end token) of every vocabulary phrase in a spaCy Doc: the plain phrases', by
        start, then the patterns'. ``lowers`` are the tokens' lower-cased texts, if known."""
        if lowers is None:
            lowers = token_columns(doc)[2]
        found = self._phrase(lowers)
        if self._pattern:
            found += self._pattern(lowers)
        return found
