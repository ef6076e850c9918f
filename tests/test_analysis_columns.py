"""The analysis reads spaCy's token arrays instead of Token objects: it must see what they would show."""

from __future__ import annotations

import random

import pytest

from grader.annotate import _sentence_starts
from grader.nlp import pipeline, token_columns

PIECES = ["We", "should", "launch", "it", ".", "!", "?", "…", "...", "€2.3M", "5%", "(", ")", "\"", "'",
          "Mio.", "approx.", "e.g.", "U.S.", "—", "-", ";", ":", "İstanbul", "ẞ", "Straße", "\u212a", "3.", "2024",
          "\n", "  ", "\t", "ﬁnal", "a.b", "?!", ".)", "K.", "x", "DROP-OFF", "¿Qué", "¡Sí"]


def _texts(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        words = rnd.choices(PIECES, k=rnd.randint(1, 30))
        out.append("".join(w + rnd.choice(["", " ", " ", " ", "\n"]) for w in words))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_columns_and_sentence_starts_match_spacys_objects(seed):
    nlp = pipeline()
    for text in _texts(250, seed):
        doc = nlp.make_doc(text)
        idxs, ends, lowers = token_columns(doc)
        assert idxs == [t.idx for t in doc]
        assert ends == [t.idx + len(t) for t in doc]
        assert lowers == [t.lower_ for t in doc]
        tokens = [(t.idx, len(t), t.is_punct) for t in doc]
        expected = [s.start for s in nlp(text).sents] if len(doc) else [0]
        assert _sentence_starts(text, tokens, nlp.get_pipe("sentencizer").punct_chars) == expected, text
