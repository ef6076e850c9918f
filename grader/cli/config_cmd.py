"""``grader config``: the effective settings and where each came from."""

from __future__ import annotations

import os
from pathlib import Path

import click

from . import renderer_option, rubric_option
from .options import colour_option, fail_under_option, only_option, resolve_settings, skip_option


@click.command("config")
@rubric_option
@fail_under_option
@click.option("--output", "-o", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Report folder, as `grader report --output` would take it.")
@renderer_option
@only_option
@skip_option
@colour_option
@click.pass_context
def config_command(ctx: click.Context, **_: object) -> None:
    """Show the effective settings and where each came from: default, a config file, the environment,
    or the command line (give the same flags as to `grader check` to see them override the file).

    Settings are read from [tool.grader] in the nearest pyproject.toml, or from a grader.toml
    (same keys, at the top level), searching from the current folder up. Keys: rubric, fail-under,
    output, renderer, only, skip. Paths in the file are relative to the file.
    """
    from ..config import KEYS, describe

    found = resolve_settings(ctx)
    if found.file is None:
        click.echo(f"config file: none (searched {os.getcwd()} and the folders above it for grader.toml "
                   "or a pyproject.toml with [tool.grader])")
    else:
        click.echo(f"config file: {found.file.label}")
    click.echo("")
    values = {key: describe(found[key]) for key in KEYS}
    kw, vw = max(map(len, KEYS)), max(map(len, values.values()))
    click.echo(f"{'setting':<{kw}}  {'value':<{vw}}  from")
    for key in KEYS:
        click.echo(f"{key:<{kw}}  {values[key]:<{vw}}  {found.source(key)}")
