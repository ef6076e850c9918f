"""Per-criterion passing and failing examples, including the tricky cases reviewers care about."""

from __future__ import annotations

import pytest

COVER = """# Reducing checkout drop-off

Candidate: Jane Doe

12 March 2026

Take-home case study — Data Scientist

## Executive summary

"""


def opening(*paragraphs: str) -> str:
    return COVER + "\n\n".join(paragraphs) + "\n"


CONTEXT = "Checkout drop-off on mobile rose from 18% to 23% after the 3DS rollout in January."

REC_PASS = [
    "We should test dynamic credit limits at checkout, not blanket downgrades.",
    "I recommend launching one-tap checkout for returning customers in Germany first.",
    "Recommendation: replace the static credit limit with a dynamic one for thin-file customers.",
    "Launch a one-tap returning-customer flow for mobile checkout.",
    "Klarna should make pay-in-3 the default option for baskets above €100.",
    "Our recommendation is to route low-risk orders around manual review.",
    "In short, ship the one-tap flow to all German mobile users in Q3.",
    "The new flow should be rolled out to all markets after a four-week pilot.",
]
REC_FAIL = [
    "Further analysis is needed before we can recommend a change.",
    "We recommend gathering more data before deciding on a new limit policy.",
    "Should we lower credit limits for thin-file customers?",
    "We could either raise limits, cut fees, or add a reminder email.",
    "I analyzed 12 features and ran four models on the checkout data.",
    "We should consider several options for the checkout flow.",
    "Conversion should improve once the 3DS issues are fixed.",
    "This memo looks at whether Acme Pay should offer instalments on travel bookings.",
    "My recommendation is set out in Section 4, after the analysis.",
]


@pytest.mark.parametrize("sentence", REC_PASS)
def test_recommendation_in_first_paragraph_passes(verdict, sentence):
    assert verdict("recommendation-upfront", opening(sentence, CONTEXT))


@pytest.mark.parametrize("sentence", REC_PASS)
def test_recommendation_in_second_paragraph_passes(verdict, sentence):
    assert verdict("recommendation-upfront", opening(CONTEXT, sentence))


@pytest.mark.parametrize("sentence", REC_FAIL)
def test_non_decisions_fail(verdict, sentence):
    assert not verdict("recommendation-upfront", opening(sentence, CONTEXT))


def test_decision_in_third_paragraph_is_buried(grade_md):
    result = grade_md(opening(CONTEXT, "Volumes vary by market.", "We should launch one-tap checkout."))
    rec = result["recommendation-upfront"]
    assert not rec.passed
    assert "¶3" in rec.message and "buried" in rec.message


def test_failure_says_what_was_found(grade_md):
    rec = grade_md(opening("Should we lower limits for thin-file customers?", CONTEXT))["recommendation-upfront"]
    assert "question" in rec.message
    assert rec.evidence and rec.evidence[0].text.startswith("Should we")
    hedge = grade_md(opening("Further analysis is needed before deciding.", CONTEXT))["recommendation-upfront"]
    assert "hedge" in hedge.message


def test_cover_and_heading_are_not_body_paragraphs(grade_md):
    rec = grade_md(opening(CONTEXT, "We should launch one-tap checkout."))["recommendation-upfront"]
    assert rec.passed and rec.evidence[0].paragraph == 2


def test_bullet_run_counts_as_one_paragraph(verdict):
    text = opening("- Drop-off is highest on mobile.\n- It peaks after 3DS.\n- Germany is worst.", "Launch one-tap checkout on mobile.")
    assert verdict("recommendation-upfront", text)


EURO_PASS = [
    "This recovers roughly €2.3M in lost revenue annually.",
    "Savings of EUR 450k a year from fewer manual reviews.",
    "We estimate 2.3 million euros in avoided fraud losses per year.",
    "The change adds 1.2 M€ of incremental revenue.",
    "Expected benefit: €1,200,000 a year in recovered baskets.",
    "The pilot costs about €300k to build and run for a quarter.",
    "Net impact is $2.5M (≈ €2.3M) in revenue a year.",
    "Recovering 5% of abandoned checkouts at an average order value of €120 is worth €2.3M a year.",
]
EURO_FAIL = [
    "With an average order value of €120, checkout matters to every merchant.",
    "The change is worth about $2.5M a year in revenue.",
    "Conversion rises by 3% and defaults fall by 25 bps.",
    "The premium plan costs €9.99 a month.",
    "Acme's net revenue last year was €210M; we expect a 3% uplift.",
    "The BNPL market in Spain is worth roughly €12bn.",
    "Re-running the Euro 2024 campaign would bring 40,000 sign-ups.",
    "The change brings in £400k a year.",
]


@pytest.mark.parametrize("sentence", EURO_PASS)
def test_euro_impact_passes(verdict, sentence):
    assert verdict("euro-impact", sentence)


@pytest.mark.parametrize("sentence", EURO_FAIL)
def test_euro_impact_fails(verdict, sentence):
    assert not verdict("euro-impact", sentence)


def test_euro_failure_names_what_it_found(grade_md):
    dollars = grade_md("The change is worth about $2.5M a year.")["euro-impact"]
    assert "$2.5M" in dollars.message and "euro" in dollars.message
    percent = grade_md("Conversion rises by 3% and defaults fall by 25 bps.")["euro-impact"]
    assert "3%" in percent.message and "percent" in percent.message
    context = grade_md("With an average order value of €120, checkout matters.")["euro-impact"]
    assert "€120" in context.message and "context" in context.message


def test_euro_column_in_table(verdict):
    table = "| Lever | Annual revenue impact (€M) |\n|---|---|\n| One-tap checkout | 2.3 |\n| Reminder email | 0.4 |"
    assert verdict("euro-impact", table)


RISK_PASS = [
    "The main risk is higher fraud losses; we mitigate it by capping new limits at €500 for 90 days.",
    "The main risk is higher fraud losses.\n\nTo contain it, we cap first-time limits at €500 and review weekly.",
    "| Risk | Mitigation |\n|---|---|\n| Fraud rises | Cap limits at €500 and monitor weekly |",
    "The obvious worry is that higher limits lead to more defaults. If delinquency goes above 3%, limits revert automatically.",
    "## Risks\n\nRegulators may view a higher late fee as unfair. We mitigate this by capping total fees at 10% of the order.",
]
RISK_FAIL = [
    "The main risk is higher fraud losses.",
    "Risks include fraud, churn, regulatory pushback, merchant complaints and engineering cost.",
    "As with any change of this size, there are risks, which we will monitor closely.",
    "| Risk | Mitigation |\n|---|---|\n| Partner bank delays settlement | TBD |",
    "We will score applicants with the existing risk model and a risk-based threshold.",
    "The two main risks are fraud and churn. We will mitigate these as needed.",
]


@pytest.mark.parametrize("text", RISK_PASS)
def test_risk_with_mitigation_passes(verdict, text):
    assert verdict("risk-mitigation", text)


@pytest.mark.parametrize("text", RISK_FAIL)
def test_risk_without_mitigation_fails(verdict, text):
    assert not verdict("risk-mitigation", text)


def test_laundry_list_of_risks(grade_md):
    text = "## Risks\n\n" + "\n".join(f"- Risk {i}: something could fail; we monitor it weekly." for i in range(1, 7))
    risk = grade_md(text)["risk-mitigation"]
    assert not risk.passed
    assert "6 risks" in risk.message
    three = "## Risks\n\n" + "\n".join(f"- Risk {i}: something could fail; we monitor it weekly." for i in range(1, 4))
    assert grade_md(three)["risk-mitigation"].passed


GRID_PASS = [
    "We deliberately did not tune hyperparameters: a logistic regression with defaults is enough.",
    "We used 5-fold cross-validation to check the model is stable.",
    "A power grid outage in Spain explains the March dip.",
    "We avoided GridSearchCV on purpose; defaults are easier to explain.",
    "Hyperparameter tuning was out of scope; all models use default settings.",
    "The dashboard shows a grid of charts, one per market.",
]
GRID_FAIL = [
    "We ran GridSearchCV over 400 combinations of XGBoost parameters.",
    "Hyperparameters were tuned with Optuna for 200 trials.",
    "After extensive hyperparameter tuning, the model reached an AUC of 0.91.",
    "I swept the learning rate from 0.001 to 0.3 and picked the combination with the best validation AUC.",
    "```python\nfor depth in [2, 4, 6, 8]:\n    model = DecisionTreeClassifier(max_depth=depth).fit(X, y)\n```",
    "```python\nsearch = RandomizedSearchCV(model, param_distributions=grid, n_iter=50)\n```",
]


@pytest.mark.parametrize("text", GRID_PASS)
def test_no_grid_search_passes(verdict, text):
    assert verdict("no-grid-search", text)


@pytest.mark.parametrize("text", GRID_FAIL)
def test_grid_search_fails(verdict, text):
    assert not verdict("no-grid-search", text)


def test_page_limit_counts_pages(grade_md):
    three = "Page one text.\n\n<!-- pagebreak -->\n\nPage two.\n\n<!-- pagebreak -->\n\nPage three."
    assert grade_md(three)["page-limit"].passed
    four = three + "\n\n<!-- pagebreak -->\n\nPage four."
    result = grade_md(four)["page-limit"]
    assert not result.passed and "4 pages" in result.message and "by 1" in result.message


def test_chart_restraint_counts_figures(grade_md):
    figures = lambda n: "We should launch it.\n\n" + "\n\n".join(f"![chart {i}](c)" for i in range(n))  # noqa: E731
    assert grade_md(figures(7))["chart-restraint"].passed
    result = grade_md(figures(9))["chart-restraint"]
    assert not result.passed and "9 figures" in result.message


def test_hedged_conclusion(verdict):
    assert not verdict("no-hedged-conclusion", "We looked at three levers.\n\nFurther analysis is needed before a decision.")
    assert verdict("no-hedged-conclusion", "Further analysis is needed on churn.\n\nWe should launch in Germany in April.")


def test_decision_first_opening(verdict):
    assert not verdict("decision-first-opening", opening("I analyzed 12 features and ran four models.", CONTEXT))
    assert verdict("decision-first-opening", opening(CONTEXT, "I analyzed 12 features and ran four models."))


def test_product_constraints(verdict):
    assert verdict("product-constraints", "The rule adds 3ms, inside the 200ms checkout latency budget.")
    assert not verdict("product-constraints", "GDP growth in Spain slowed; the model AUC is 0.84.")
    assert not verdict("product-constraints", "Latency and GDPR were out of scope for this analysis.")


def test_simple_model_is_a_warning(grade_md):
    result = grade_md("We trained a deep neural network with five layers on 8,000 rows.")["simple-model"]
    assert not result.passed and result.severity == "warning"
    assert grade_md("We trained a neural network and explain each decision with SHAP reason codes.")["simple-model"].passed
