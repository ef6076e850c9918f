"""Options several commands share, and how their values meet the config file (grader.config)."""

from __future__ import annotations

import sys
from collections.abc import Mapping

import click
from click.core import ParameterSource

from ..errors import GraderError

COLOUR_KEY = "grader.colour"  # in click's ctx.meta, shared by the group and its subcommands

# config key -> the click parameter that overrides it
PARAMS: Mapping[str, str] = {
    "rubric": "rubric", "fail-under": "fail_under", "output": "out_dir", "renderer": "renderer",
    "only": "only", "skip": "skip",
}


def _set_colour(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    if value is not None:
        ctx.meta[COLOUR_KEY] = value


colour_option = click.option(
    "--color/--no-color", "colour", default=None, expose_value=False, is_eager=True, callback=_set_colour,
    help="Force colour on or off. Default: colour on a terminal, unless NO_COLOR is set.",
)


class CriterionId(click.ParamType):
    """A criterion id; a wrong one is a usage error naming the valid ones. Completes in the shell."""

    name = "criterion"

    def _ids(self) -> tuple[str, ...]:
        from ..rubric_tools import criterion_ids

        return criterion_ids()

    def convert(self, value, param, ctx):
        ids = self._ids()
        if value not in ids:
            self.fail(f"unknown criterion {value!r}; use one of: {', '.join(ids)}", param, ctx)
        return value

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        return [CompletionItem(i) for i in self._ids() if i.startswith(incomplete)]


fail_under_option = click.option(
    "--fail-under", type=click.FloatRange(0, 100), default=None, metavar="SCORE",
    help="Let the score decide: exit 1 when it is below SCORE (0-100), 0 otherwise, even if a criterion fails.",
)
only_option = click.option(
    "--only", type=CriterionId(), multiple=True, metavar="CRITERION",
    help="Grade only this criterion (repeat for more); the score is out of the criteria graded.",
)
skip_option = click.option(
    "--skip", type=CriterionId(), multiple=True, metavar="CRITERION",
    help="Do not grade this criterion (repeat for more).",
)


def _fail(exc: GraderError) -> None:
    from . import _say_error

    _say_error(exc.line())
    sys.exit(exc.exit_code)


def resolve_settings(ctx: click.Context):
    """The command's effective settings: its flags given on the command line, else the config file, else defaults."""
    from ..config import settings

    given, from_env = {}, set()
    for key, name in PARAMS.items():
        if name not in ctx.params:
            continue
        source = ctx.get_parameter_source(name)
        if source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            value = ctx.params[name]
            if isinstance(value, tuple | list) and not value and key in ("only", "skip"):
                continue
            given[key] = tuple(value) if isinstance(value, list) else value
            if source is ParameterSource.ENVIRONMENT:
                from_env.add(key)
    try:
        found = settings(given)
    except GraderError as exc:
        _fail(exc)
    if from_env:
        from dataclasses import replace

        items = dict(found.items)
        for key in from_env:
            items[key] = replace(items[key], source="environment")
        found = replace(found, items=items)
    return found


def load_selected(found):
    """The rubric the settings name, narrowed by ``only`` and ``skip``."""
    from ..rubric import load_rubric
    from ..rubric_tools import select

    try:
        return select(load_rubric(found["rubric"]), found["only"], found["skip"])
    except GraderError as exc:
        _fail(exc)


def renderer_for(found) -> str | None:
    """The renderer to pass to grading; None lets grading read ``$GRADER_RENDERER`` or use its default.

    A renderer named in a config file or the environment is checked once here, as ``--renderer`` is,
    so a missing LibreOffice is one usage error rather than one error per file."""
    source = found.source("renderer")
    if source == "default":
        return None
    from ..render import check_renderer

    try:
        name = check_renderer(found["renderer"])
    except GraderError as exc:
        _fail(exc)
    return None if source.startswith("environment") else name  # grading reads the environment itself


def accepted(result, fail_under: float | None) -> bool:
    """Whether a graded draft passes: every criterion, or with ``fail_under`` the score alone."""
    return result.passed if fail_under is None else result.score >= fail_under - 1e-9
