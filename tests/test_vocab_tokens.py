"""A rubric's phrases are tokenized and matched without spaCy's PhraseMatcher: the same tokens, the same matches."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from grader.nlp import PhraseIndex, Vocabularies, _is_pattern, lowered_tokens, pipeline, token_columns
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRICS = sorted((ROOT / "rubrics").glob("*.toml")) + sorted((ROOT / "tests" / "rubrics").glob("*.toml"))
ODD = ["cannot", "Cannot", "don't", "U.S.", "e.g.", "approx.", "A/B test", "3DS", "one-tap", "(churn)", "  two  spaces ",
       " lead", "trail ", "tab\there", "new\nline", "", "€2.3M", "İstanbul", "naïve", "CAN'T", "gonna", "A.B.", "x"]


def _spacy_lowers(text: str) -> tuple[str, ...]:
    return tuple(t.lower_ for t in pipeline().make_doc(text))


@pytest.mark.parametrize("path", RUBRICS, ids=lambda p: p.name)
def test_every_rubric_phrase_is_tokenized_as_spacy_tokenizes_it(path):
    phrases = [p for ps in load_rubric(str(path)).vocabularies().values() for p in ps]
    texts = [p for p in phrases if not _is_pattern(p)]
    texts += [w.rstrip("*") for p in phrases if _is_pattern(p) for w in p.split() if "|" not in w]
    assert lowered_tokens(texts) == [_spacy_lowers(t) for t in texts]


def test_odd_and_random_phrases_are_tokenized_as_spacy_tokenizes_them():
    rnd = random.Random(7)
    alphabet = "abcXYZ .-'/()€$%3\u00e9\u0130\t"
    texts = ODD + ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14))) for _ in range(3000)]
    assert lowered_tokens(texts) == [_spacy_lowers(t) for t in texts]


def test_phrase_index_finds_what_spacys_phrase_matcher_finds():
    from spacy.matcher import PhraseMatcher

    nlp = pipeline()
    rnd = random.Random(11)
    words = ["we", "recommend", "launch", "one", "-", "tap", "checkout", "Checkout", "the", "risk", "is", ".", "A/B",
             "test", "cannot", "roll", "out"]
    phrases = {f"l{k}": [" ".join(rnd.choices(words, k=rnd.randint(1, 3))) for _ in range(6)] for k in range(8)}
    phrases["dup"] = phrases["l0"][:2]  # the same phrases under two labels
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    index = PhraseIndex()
    for label, texts in phrases.items():
        matcher.add(label, list(nlp.tokenizer.pipe(texts)))
        for tokens in lowered_tokens(texts):
            index.add(label, tokens)
    for _ in range(300):
        doc = nlp.make_doc(" ".join(rnd.choices(words, k=rnd.randint(0, 40))))
        theirs = sorted((nlp.vocab.strings[m], s, e) for m, s, e in matcher(doc))
        mine = index(token_columns(doc)[2])
        assert sorted(mine) == theirs
        assert [m[1:] for m in mine] == sorted(m[1:] for m in mine)  # by start, then length


def test_vocabularies_match_without_lowers_given():
    vocab = Vocabularies({"a": ["one-tap checkout", "roll* out"]})
    doc = pipeline().make_doc("We roll it out: one-tap checkout, then rolling out.")
    assert sorted(vocab.matches(doc)) == [("a", 5, 9), ("a", 11, 13)]  # one - tap checkout; rolling out
