"""Money amounts and percentages in the notations people write, and things that only look like money."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.money import find_amounts

MONEY = [
    # text, currency, value
    ("€2.3M", "EUR", 2.3e6),
    ("EUR 450k", "EUR", 450e3),
    ("EUR2.3m", "EUR", 2.3e6),
    ("2.3 million euros", "EUR", 2.3e6),
    ("1.2 M€", "EUR", 1.2e6),
    ("1.2M€", "EUR", 1.2e6),
    ("€1,200,000", "EUR", 1.2e6),
    ("1.200.000 €", "EUR", 1.2e6),
    ("2,3 Mio. €", "EUR", 2.3e6),
    ("€ 2.5 Mio", "EUR", 2.5e6),
    ("€0.8–1.1M", "EUR", 0.8e6),  # a range counts as its low end
    ("€ 750 000", "EUR", 750e3),
    ("1\u202f234\u202f567 €", "EUR", 1234567),
    ("€1.234.567,89", "EUR", 1234567.89),
    ("€1,500.50", "EUR", 1500.5),
    ("€1.500", "EUR", 1500),  # German thousands: money has no third decimal
    ("1.500 €", "EUR", 1500),
    ("€1,500", "EUR", 1500),
    ("€12,5", "EUR", 12.5),
    ("€120", "EUR", 120),
    ("5EUR", "EUR", 5),
    ("3 euro", "EUR", 3),
    ("EUR 1.2 bn", "EUR", 1.2e9),
    ("€2.3bn", "EUR", 2.3e9),
    ("1,2 Mrd. EUR", "EUR", 1.2e9),
    ("0.5bn euro", "EUR", 0.5e9),
    ("$2.5M", "USD", 2.5e6),
    ("US$3M", "USD", 3e6),
    ("USD 3M", "USD", 3e6),
    ("3M USD", "USD", 3e6),
    ("3 million dollars", "USD", 3e6),
    ("£400k", "GBP", 400e3),
    ("GBP 1.2m", "GBP", 1.2e6),
    ("£1.2bn", "GBP", 1.2e9),
    ("SEK 20M", "OTHER", 20e6),
    ("20M SEK", "OTHER", 20e6),
    ("500 kr", "OTHER", 500),
]

PERCENT = [
    ("3%", 3.0),
    ("3.5 %", 3.5),
    ("-3%", -3.0),
    ("25 bps", 25.0),
    ("50 basis points", 50.0),
    ("4 percentage points", 4.0),
    ("+2.5 pp", 2.5),
    ("3 percent", 3.0),
    ("1–2%", 1.0),
]

NOT_MONEY = [
    "Euro 2024",
    "the Euro 2024 tournament drew crowds",
    "euro area",
    "growth in the euro area slowed",
    "in 2024 we had 3 models",
    "12 features",
    "3M customers",
    "Q3 2024",
    "EUR/USD rate",
    "$HOME is set",
    "10 000 users",
    "the European market",
    "version 2.3.1",
]


@pytest.mark.parametrize(("text", "currency", "value"), MONEY)
def test_money_notations(text, currency, value):
    amounts = find_amounts(text)
    assert len(amounts) == 1, amounts
    a = amounts[0]
    assert a.currency == currency
    assert a.value == pytest.approx(value)
    assert a.text == text
    assert a.is_money


@pytest.mark.parametrize(("text", "currency", "value"), MONEY)
def test_money_inside_a_sentence(text, currency, value):
    sentence = f"We expect {text} in revenue a year."
    amounts = [a for a in find_amounts(sentence) if a.is_money]
    assert [(a.currency, a.text) for a in amounts] == [(currency, text)]
    assert sentence[amounts[0].start:amounts[0].end].strip() == text
    assert amounts[0].value == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), PERCENT)
def test_percent_notations(text, value):
    amounts = find_amounts(text)
    assert [a.currency for a in amounts] == ["PERCENT"]
    assert amounts[0].text == text
    assert amounts[0].value == pytest.approx(value)
    assert not amounts[0].is_money


@pytest.mark.parametrize("text", NOT_MONEY)
def test_things_that_are_not_money(text):
    assert [a for a in find_amounts(text) if a.is_money] == []


def test_in_2024_we_had_3_models_is_nothing_at_all():
    assert find_amounts("in 2024 we had 3 models") == []
    assert find_amounts("12 features") == []


def test_a_sentence_with_several_amounts_in_order():
    amounts = find_amounts("It costs EUR 450k, saves €2.3M a year (3%) and $1M in the US; churn falls 25 bps.")
    assert [(a.currency, a.text) for a in amounts] == [
        ("EUR", "EUR 450k"), ("EUR", "€2.3M"), ("PERCENT", "3%"), ("USD", "$1M"), ("PERCENT", "25 bps"),
    ]
    starts = [a.start for a in amounts]
    assert starts == sorted(starts)


def test_a_range_of_two_amounts():
    amounts = find_amounts("worth €750k–€1.1M a year")
    assert [(a.text, a.value) for a in amounts] == [("€750k", 750e3), ("€1.1M", 1.1e6)]


def test_a_year_after_an_amount_is_not_part_of_it():
    amounts = find_amounts("€2.3M in 2024")
    assert [(a.text, a.value) for a in amounts] == [("€2.3M", 2.3e6)]


@given(st.text(alphabet=st.sampled_from(list("0123456789 .,-–%€$£kKmMbBeEuUrRoOsSdD\u202f")), max_size=40))
def test_find_amounts_never_fails_and_spans_do_not_overlap(text):
    amounts = find_amounts(text)
    for a, b in zip(amounts, amounts[1:], strict=False):
        assert a.end <= b.start
    for a in amounts:
        assert 0 <= a.start < a.end <= len(text)
        assert a.text == text[a.start:a.end].strip()
        assert a.value is None or a.value == a.value  # never NaN
