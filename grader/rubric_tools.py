"""Rubric tooling: list, describe, narrow and scaffold rubrics, and explain a criterion.

Plain functions over :mod:`grader.rubric`; ``grader rubrics`` and ``grader explain`` print what they return.
"""

from __future__ import annotations

import inspect
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import EXIT_USAGE, GraderError, RubricError
from .rubric import DEFAULT_RUBRIC, CriterionConfig, Rubric, available_rubrics, load_rubric, resolve

NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


class ScaffoldError(GraderError):
    """``rubrics new`` would overwrite a file or was given an unusable name."""

    exit_code = EXIT_USAGE


class UnknownCriterion(GraderError):
    exit_code = EXIT_USAGE


def criterion_ids() -> tuple[str, ...]:
    from .criteria import REGISTRY

    return tuple(REGISTRY)


# --- listing and describing ---------------------------------------------------------------------


@dataclass(frozen=True)
class RubricEntry:
    """One named rubric: its summary, or the one line saying why it does not load."""

    name: str
    path: Path
    title: str = ""
    criteria: int = 0
    error: str = ""


def list_rubrics() -> list[RubricEntry]:
    """Every named rubric (see :func:`grader.rubric.available_rubrics`), loaded and summarised."""
    out = []
    for name, path in sorted(available_rubrics().items()):
        try:
            rub = load_rubric(str(path))
        except RubricError as exc:
            out.append(RubricEntry(name, path, error=exc.line()))
            continue
        out.append(RubricEntry(name, path, rub.title, len(rub.criteria)))
    return out


def extends_of(path: str | os.PathLike[str]) -> str:
    """What a rubric file's ``extends`` names, or "" (read only after the rubric has loaded)."""
    try:
        value = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("extends", "")
    except (OSError, ValueError):
        return ""
    return value if isinstance(value, str) else ""


def disabled(rubric: Rubric) -> tuple[str, ...]:
    """Known criteria the rubric does not grade."""
    on = {c.id for c in rubric.criteria}
    return tuple(cid for cid in criterion_ids() if cid not in on)


def settings_text(c: CriterionConfig) -> str:
    return ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}"
                     for k, v in c.settings.items())


def describe_rubric(rubric: Rubric) -> str:
    """A plain-text page: the rubric's criteria with weights, severities and thresholds."""
    total = sum(c.weight for c in rubric.criteria) or 1
    lines = [f"{rubric.name} · {rubric.title}", f"path: {rubric.path}"]
    parent = extends_of(rubric.path)
    if parent:
        lines.append(f"extends: {parent}")
    rule = "every criterion passes" + (f" and the score reaches {rubric.pass_score:g}" if rubric.pass_score else "")
    lines.append(f"passes when: {rule}")
    lines.append("")
    width = max(len(c.id) for c in rubric.criteria)
    lines.append(f"  {'criterion':<{width}}  {'weight':>6}  {'points':>6}  {'severity':<8}  thresholds")
    for c in rubric.criteria:
        points = 100.0 * c.weight / total
        lines.append(f"  {c.id:<{width}}  {c.weight:>6g}  {points:>6.1f}  {c.severity:<8}  {settings_text(c) or '–'}")
        lines.append(f"  {'':<{width}}  {c.title}")
    off = disabled(rubric)
    if off:
        lines.append("")
        lines.append(f"disabled: {', '.join(off)}")
    return "\n".join(lines)


# --- narrowing: --only and --skip ---------------------------------------------------------------


def select(rubric: Rubric, only: Iterable[str] = (), skip: Iterable[str] = ()) -> Rubric:
    """The rubric restricted to ``only`` (when given) minus ``skip``; the score is out of what remains."""
    only, skip = tuple(only), tuple(skip)
    if not only and not skip:
        return rubric
    known = criterion_ids()
    for cid in (*only, *skip):
        if cid not in known:
            raise UnknownCriterion(f"unknown criterion {cid!r}", f"use one of: {', '.join(known)}")
    kept = tuple(c for c in rubric.criteria if (not only or c.id in only) and c.id not in skip)
    if not kept:
        graded = ", ".join(c.id for c in rubric.criteria)
        raise UnknownCriterion(f"--only/--skip leave no criterion of rubric {rubric.name} to grade",
                               f"it grades: {graded}")
    if sum(c.weight for c in kept) <= 0:
        raise UnknownCriterion("--only/--skip leave only criteria of weight 0", "keep one with a positive weight")
    # The digest keys compiled vocabularies (grader.grading): a narrowed rubric must not share the full one's.
    tag = f"{rubric.digest}+only={','.join(only)};skip={','.join(skip)}"
    return replace(rubric, criteria=kept, digest=tag)


# --- explaining a criterion ---------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    id: str
    title: str
    summary: str
    looks_for: str
    passing: tuple[str, ...]
    failing: tuple[str, ...]
    config: CriterionConfig | None  # None when the rubric does not grade it
    total_weight: float

    @property
    def points(self) -> float:
        return 100.0 * self.config.weight / self.total_weight if self.config and self.total_weight else 0.0


def explain(cid: str, rubric: Rubric) -> Explanation:
    """What reviewers look for under ``cid`` (its module docstring), its examples and its rubric settings."""
    from .criteria import REGISTRY

    if cid not in REGISTRY:
        raise UnknownCriterion(f"unknown criterion {cid!r}", f"use one of: {', '.join(REGISTRY)}")
    module = REGISTRY[cid]
    doc = inspect.cleandoc(module.__doc__ or "")
    summary, _, body = doc.partition("\n")
    config = next((c for c in rubric.criteria if c.id == cid), None)
    return Explanation(
        id=cid, title=config.title if config else module.TITLE, summary=summary.strip(), looks_for=body.strip(),
        passing=tuple(module.EXAMPLES["pass"]), failing=tuple(module.EXAMPLES["fail"]), config=config,
        total_weight=sum(c.weight for c in rubric.criteria),
    )


# --- scaffolding a new rubric -------------------------------------------------------------------


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def scaffold_text(name: str, base: Rubric, extends: str) -> str:
    """A rubric that extends ``base`` and changes nothing yet, with commented examples of what to change."""
    by_id = {c.id: c for c in base.criteria}
    pages = by_id.get("page-limit")
    max_pages = pages.settings["max_pages"] if pages else 3
    title = name.replace("-", " ").replace("_", " ").capitalize()
    lines = [
        f"# The rubric {name!r}: it builds on {base.name!r} and holds only what differs from it.",
        f"# See what it inherits with:  grader rubrics show {extends}",
        f"# Check this file with:       grader rubrics validate {name}.toml",
        f"# Grade with it:              grader check draft.pdf --rubric {name}.toml",
        "#",
        "# Uncomment and edit the examples below. Tables merge key by key with the base rubric; a list",
        "# (a vocabulary) replaces the base's list whole, so copy the list from the base and edit it.",
        "",
        f"extends = {_toml_string(extends)}",
        f"name = {_toml_string(name)}",
        f"title = {_toml_string(title if 'take home' in title.lower() else title + ' take-home')}",
        "# description = \"What this company's reviewers reward.\"",
        "# pass_score = 80            # besides every criterion passing, demand a minimum score out of 100",
        "",
        "# A tighter page limit:",
        "# [criteria.page-limit]",
        f"# title = \"{max(1, max_pages - 1)} pages or fewer\"",
        f"# max_pages = {max(1, max_pages - 1)}",
        "",
        "# Switch a criterion off (its weight leaves the total):",
        "# [criteria.chart-restraint]",
        "# enabled = false",
        "",
        "# Make a criterion a warning that informs but never fails the draft:",
        "# [criteria.product-constraints]",
        "# severity = \"warning\"",
        "",
        "# Reword what the grader says (the {placeholders} are filled in by the check):",
        "# [criteria.page-limit.messages]",
        "# fail = \"{approx}{pages} pages, over our {limit}-page limit by {over} ({how}).\"",
        "",
        "# Replace a vocabulary, e.g. the regulations that count as a compliance constraint:",
        "# [criteria.product-constraints.vocab]",
        "# compliance = [\"ccpa\", \"ecoa\", \"fair lending\", \"sox\", \"hipaa\"]",
        "",
        f"# What {base.name!r} sets today (weight, severity and thresholds), to copy from:",
    ]
    for c in base.criteria:
        lines.append("#")
        lines.append(f"# [criteria.{c.id}]")
        lines.append(f"# weight = {c.weight:g}")
        if c.severity != "error":
            lines.append(f"# severity = {_toml_string(c.severity)}")
        lines.extend(f"# {k} = {_toml_string(v) if isinstance(v, str) else v}" for k, v in c.settings.items())
    return "\n".join(lines) + "\n"


def scaffold(name: str, base: str | None = None, out_dir: str | os.PathLike[str] = ".") -> Path:
    """Write ``OUT_DIR/NAME.toml``, a rubric extending ``base`` (default: the default rubric). Never overwrites."""
    name = name[:-5] if name.endswith(".toml") else name
    if not NAME.fullmatch(name):
        raise ScaffoldError(f"rubric name {name!r} is not usable as a file name",
                            "use lower-case letters, digits and hyphens, e.g. acme-take-home")
    base_name = base or DEFAULT_RUBRIC
    base_rubric = load_rubric(base_name)
    target = Path(out_dir) / f"{name}.toml"
    if target.exists():
        raise ScaffoldError(f"{target} already exists", "choose another name or folder (-o), or remove it first")
    extends = base_name
    if Path(base_name).suffix == ".toml" or Path(base_name).exists():  # a path, as grader.rubric.resolve sees it
        base_path = resolve(base_name).resolve()
        # ``extends = "x.toml"`` is read relative to the new file's folder.
        extends = os.path.relpath(base_path, Path(out_dir).resolve()) if base_path.suffix == ".toml" else str(base_path)
    text = scaffold_text(name, base_rubric, extends)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8") as fh:  # "x": refuse to overwrite, even in a race
            fh.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{target} already exists", "choose another name or folder (-o), or remove it first") from None
    return target
