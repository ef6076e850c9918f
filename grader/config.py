"""Project settings: ``[tool.grader]`` in the nearest ``pyproject.toml``, or a ``grader.toml``.

The search walks up from the current directory; in each folder a ``grader.toml`` wins over a
``pyproject.toml``, and a ``pyproject.toml`` counts only when it has a ``[tool.grader]`` table.
Paths in the file (``rubric``, ``output``) are relative to the file. Command-line flags override the
file; ``$GRADER_RENDERER`` overrides the file's ``renderer``. Every setting remembers where it came
from, so ``grader config`` can say.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EXIT_USAGE, GraderError
from .rubric import DEFAULT_RUBRIC

CONFIG_NAMES = ("grader.toml", "pyproject.toml")
KEYS = ("rubric", "fail-under", "output", "renderer", "only", "skip")
DEFAULTS: Mapping[str, Any] = {
    "rubric": DEFAULT_RUBRIC,
    "fail-under": None,
    "output": "reports",
    "renderer": "auto",
    "only": (),
    "skip": (),
}
DEFAULT = "default"
COMMAND_LINE = "command line"
RENDERER_ENV = "GRADER_RENDERER"


class ConfigError(GraderError):
    """A config file is unreadable or holds an unknown key or a bad value. The message names both."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class ConfigFile:
    """A config file found and validated: its settings, paths already made relative to the file."""

    path: Path
    table: str  # "[tool.grader]" in a pyproject.toml, "" in a grader.toml
    values: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.path} {self.table}".strip()


@dataclass(frozen=True)
class Setting:
    key: str
    value: Any
    source: str  # "default", "command line", "environment ($GRADER_RENDERER)" or a config file's label


@dataclass(frozen=True)
class Settings:
    """The effective settings of one command, each with its source."""

    items: Mapping[str, Setting]
    file: ConfigFile | None = None

    def __getitem__(self, key: str) -> Any:
        return self.items[key].value

    def source(self, key: str) -> str:
        return self.items[key].source


def _parse(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})", "check its permissions") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})", "fix the syntax at the position given") from None


def find_config(start: str | os.PathLike[str] | None = None) -> tuple[Path, dict, str] | None:
    """The nearest config file from ``start`` (default: the current folder) up: (path, table, its label)."""
    folder = Path(start or os.getcwd()).resolve()
    for here in (folder, *folder.parents):
        own = here / "grader.toml"
        if own.is_file():
            return own, _parse(own), ""
        project = here / "pyproject.toml"
        if project.is_file():
            tool = _parse(project).get("tool", {})
            table = tool.get("grader") if isinstance(tool, dict) else None
            if table is not None:
                if not isinstance(table, dict):
                    raise ConfigError(f"{project}: [tool.grader] must be a table", "write it as a [tool.grader] section")
                return project, table, "[tool.grader]"
    return None


def _bad(path: Path, table: str, key: str, problem: str, fix: str) -> ConfigError:
    where = f"{table[:-1]}.{key}]" if table else f"[{key}]"
    return ConfigError(f"{path}: {where} {problem}", fix)


def _relative(base: Path, value: str) -> str:
    """A path given in a config file, made relative to the file's folder; a plain rubric name stays a name."""
    looks_like_path = value.endswith(".toml") or "/" in value or os.sep in value or (base / value).exists()
    return str(base / value) if looks_like_path and not Path(value).is_absolute() else value


def _ids(path: Path, table: str, key: str, value: Any) -> tuple[str, ...]:
    from .criteria import REGISTRY

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(path, table, key, f"must be a list of criterion ids, got {value!r}", f'write it as {key} = ["euro-impact"]')
    for cid in value:
        if cid not in REGISTRY:
            raise _bad(path, table, key, f"names an unknown criterion {cid!r}", f"use ids from: {', '.join(REGISTRY)}")
    return tuple(value)


def validate(path: Path, raw: Mapping[str, Any], table: str = "") -> ConfigFile:
    """Check every key and value of a config table; paths become relative to the file's folder."""
    from .render import RENDERERS

    base = path.parent
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key.replace("_", "-"), KEYS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise _bad(path, table, key, "is not a grader setting", f"{hint}use one of: {', '.join(KEYS)}")
        if key in ("rubric", "output", "renderer") and not (isinstance(value, str) and value.strip()):
            raise _bad(path, table, key, f"must be a non-empty string, got {value!r}", f'write it as {key} = "..."')
        if key == "rubric":
            values[key] = _relative(base, value)
        elif key == "output":
            values[key] = str(base / value)
        elif key == "renderer":
            if value not in RENDERERS:
                raise _bad(path, table, key, f"must be one of {', '.join(RENDERERS)}, got {value!r}", "pick one of them")
            values[key] = value
        elif key == "fail-under":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
                raise _bad(path, table, key, f"must be a score from 0 to 100, got {value!r}", "write it as fail-under = 80")
            values[key] = float(value)
        else:
            values[key] = _ids(path, table, key, value)
    return ConfigFile(path=path, table=table, values=values)


def load_config(start: str | os.PathLike[str] | None = None) -> ConfigFile | None:
    """The nearest config file, validated; None when there is none."""
    found = find_config(start)
    if found is None:
        return None
    path, raw, table = found
    return validate(path, raw, table)


def effective(command_line: Mapping[str, Any], config: ConfigFile | None,
              env: Mapping[str, str] | None = None) -> Settings:
    """Merge the sources: command line, then ``$GRADER_RENDERER`` (renderer only), then the file, then defaults.

    ``command_line`` holds only the settings given on the command line, by config key (``fail-under``).
    """
    env = os.environ if env is None else env
    items = {}
    for key in KEYS:
        if key in command_line:
            items[key] = Setting(key, command_line[key], COMMAND_LINE)
        elif key == "renderer" and env.get(RENDERER_ENV):
            items[key] = Setting(key, env[RENDERER_ENV].strip().lower(), f"environment (${RENDERER_ENV})")
        elif config is not None and key in config.values:
            items[key] = Setting(key, config.values[key], config.label)
        else:
            items[key] = Setting(key, DEFAULTS[key], DEFAULT)
    return Settings(items=items, file=config)


def settings(command_line: Mapping[str, Any], start: str | os.PathLike[str] | None = None) -> Settings:
    """The effective settings for a command run from ``start`` (default: the current folder)."""
    return effective(command_line, load_config(start))


def describe(value: Any) -> str:
    """A setting's value as ``grader config`` shows it."""
    if value is None:
        return "(not set)"
    if isinstance(value, tuple | list):
        return ", ".join(value) if value else "(none)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
