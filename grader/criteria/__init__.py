"""The criteria: one module each, a pure ``check(annotated, config) -> CriterionResult``.

Each module declares its stable ``ID``, a ``TITLE``, the rubric ``SETTINGS`` it reads (name ->
(type, default)), the ``VOCAB`` lists and ``MESSAGES`` it needs, and ``EXAMPLES`` that pass and fail.
"""

from __future__ import annotations

from types import ModuleType

from . import euro_impact, no_grid_search, page_limit, recommendation_upfront, risk_mitigation

MODULES: tuple[ModuleType, ...] = (
    recommendation_upfront,
    euro_impact,
    risk_mitigation,
    page_limit,
    no_grid_search,
)
REGISTRY: dict[str, ModuleType] = {m.ID: m for m in MODULES}
