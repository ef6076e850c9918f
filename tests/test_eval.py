"""Agreement with a careful human reviewer on the labelled evaluation set (tests/eval/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.evaluate import evaluate, load_cases

CASES = Path(__file__).parent / "eval" / "cases"
HOLDOUT = Path(__file__).parent / "eval" / "holdout"
TARGET = 0.97


SETS = [CASES, HOLDOUT]


@pytest.fixture(scope="module")
def scores(rubric):
    return {(folder.name, s.criterion): s for folder in SETS for s in evaluate(folder, rubric)}


def test_set_is_large_and_hard_enough():
    cases = load_cases(CASES)
    total = sum(len(v) for v in cases.values())
    hard = sum(bool(c.get("hard")) for v in cases.values() for c in v)
    assert total >= 300
    assert hard * 3 >= total
    for criterion, items in cases.items():
        labels = [c["label"] for c in items]
        assert set(labels) == {"pass", "fail"}, criterion
        assert len({c["id"] for c in items}) == len(items), f"duplicate ids in {criterion}"


@pytest.mark.parametrize(
    "key", [(folder.name, criterion) for folder in SETS for criterion in sorted(load_cases(folder))],
    ids=lambda k: f"{k[0]}/{k[1]}",
)
def test_agreement_meets_target(scores, key):
    criterion = key[1]
    s = scores[key]
    misses = "\n".join(f"  {m.case}: label {m.label}, got {m.got} ({m.message})" for m in s.misses)
    assert s.agreement >= TARGET, f"{criterion}: {s.agreement:.1%} agreement\n{misses}"
