"""The criteria: one module each, a pure ``check(annotated, config) -> CriterionResult``.

Each module declares its stable ``ID``, a ``TITLE``, the rubric ``SETTINGS`` it reads (name ->
(type, default)), the ``VOCAB`` lists and ``MESSAGES`` it needs, and ``EXAMPLES`` that pass and fail.
"""

from __future__ import annotations

from types import ModuleType

from . import (
    chart_restraint,
    decision,
    decision_first_opening,
    euro_impact,
    no_grid_search,
    no_hedged_conclusion,
    page_limit,
    product_constraints,
    recommendation_upfront,
    risk_mitigation,
    simple_model,
)

MODULES: tuple[ModuleType, ...] = (
    recommendation_upfront,
    euro_impact,
    risk_mitigation,
    page_limit,
    no_grid_search,
    no_hedged_conclusion,
    decision_first_opening,
    chart_restraint,
    product_constraints,
    simple_model,
)
REGISTRY: dict[str, ModuleType] = {m.ID: m for m in MODULES}
SHARED_VOCAB: dict[str, tuple[str, ...]] = {decision.GROUP: decision.VOCAB}
