"""Drafts the CLI, batch, config and tooling tests share, written the way a candidate would."""

from __future__ import annotations

from pathlib import Path

# Passes every criterion of the default rubric.
GOOD = """\
# Credit limits for returning customers

We should raise credit limits for returning customers with a clean repayment record.

This would add about €2.3M in revenue a year.

The main risk is higher fraud losses; we mitigate it with a staged rollout and a weekly review.

We fitted one logistic regression with default settings; it is simple and explainable, adds under 5ms to \
checkout latency, and every decline carries a reason code we can show the customer.
"""

# Fails several criteria: a process-first opening, a hedge, no money, no risk.
BAD = """\
# Analysis

I analysed the dataset and looked at many features. Further analysis is needed before deciding.
"""

# Fails euro-impact only (dollars): 80/100 under the default rubric.
DOLLARS = GOOD.replace("€2.3M", "$2.3M")


def write(path: Path, text: str | bytes) -> Path:
    """Write a draft (text or raw bytes), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
