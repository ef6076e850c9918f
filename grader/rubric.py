"""Rubrics are data: TOML files holding weights, thresholds, vocabularies and messages.

A rubric is validated when loaded; every error names the file, the key and the fix.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import RubricError

DEFAULT_RUBRIC = "klarna-take-home"


@dataclass(frozen=True)
class CriterionConfig:
    id: str
    title: str
    weight: float
    settings: Mapping[str, Any]
    vocab: Mapping[str, tuple[str, ...]]
    messages: Mapping[str, str]
    severity: str = "error"

    def label(self, name: str) -> str:
        """The matcher label of one of this criterion's vocabularies."""
        return f"{self.id}/{name}"


@dataclass(frozen=True)
class Rubric:
    name: str
    title: str
    path: str
    digest: str
    criteria: tuple[CriterionConfig, ...]
    pass_score: float = 100.0
    shared: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def vocabularies(self) -> dict[str, tuple[str, ...]]:
        labels = {c.label(k): v for c in self.criteria for k, v in c.vocab.items() if v}
        labels.update({f"{g}/{k}": v for g, group in self.shared.items() for k, v in group.items() if v})
        return labels

    def criterion(self, cid: str) -> CriterionConfig:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)


def rubric_dirs() -> list[Path]:
    """Where named rubrics live: inside the installed package, or the source tree's rubrics/."""
    dirs = []
    packaged = resources.files("grader") / "rubrics"
    if packaged.is_dir():
        dirs.append(Path(str(packaged)))
    source = Path(__file__).resolve().parent.parent / "rubrics"
    if source.is_dir():
        dirs.append(source)
    return dirs


def available_rubrics() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in rubric_dirs():
        for p in sorted(d.glob("*.toml")):
            found.setdefault(p.stem, p)
    return found


def resolve(name_or_path: str | None) -> Path:
    name = name_or_path or DEFAULT_RUBRIC
    candidate = Path(name)
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise RubricError(f"rubric file {name} not found", "give an existing .toml path or a rubric name")
        return candidate
    known = available_rubrics()
    if name not in known:
        names = ", ".join(sorted(known)) or "none"
        raise RubricError(f"unknown rubric '{name}'", f"use one of: {names}, or a path to a .toml file")
    return known[name]


def _err(path: Path, key: str, problem: str, fix: str) -> RubricError:
    return RubricError(f"{path}: [{key}] {problem}", fix)


def _check_type(path: Path, key: str, value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is float and isinstance(value, float) and not math.isfinite(value):
        raise _err(path, key, f"must be a finite number, got {value!r}", f"set {key} to a number such as 1.5")
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        names = {int: "a whole number", float: "a number", str: "a string", bool: "true or false", list: "a list"}
        raise _err(path, key, f"must be {names.get(kind, kind.__name__)}, got {value!r}", f"set {key} to {names.get(kind)}")
    return value


def _phrases(path: Path, key: str, words: Any) -> tuple[str, ...]:
    _check_type(path, key, words, list)
    if not all(isinstance(w, str) and w.strip() for w in words):
        raise _err(path, key, "must hold only non-empty strings", "remove blank or non-text entries")
    return tuple(w.strip() for w in words)


def _shared(path: Path, raw: dict, groups: set[str]) -> dict[str, MappingProxyType]:
    """Vocabularies several criteria share, under [vocab.<group>]."""
    from .criteria import SHARED_VOCAB

    table = raw.get("vocab", {})
    if not isinstance(table, dict):
        raise _err(path, "vocab", "must be a table", "write it as [vocab.<group>]")
    for group in table:
        if group not in SHARED_VOCAB:
            raise _err(path, f"vocab.{group}", "is not a shared vocabulary", f"use one of: {', '.join(SHARED_VOCAB)}")
    out = {}
    for group in sorted(groups):
        body = table.get(group)
        if not isinstance(body, dict):
            raise _err(path, f"vocab.{group}", "is missing", f"add a [vocab.{group}] table")
        for name in body:
            if name not in SHARED_VOCAB[group]:
                raise _err(path, f"vocab.{group}.{name}", "is not a vocabulary of this group",
                           f"use one of: {', '.join(SHARED_VOCAB[group])}")
        words = {}
        for name in SHARED_VOCAB[group]:
            if name not in body:
                raise _err(path, f"vocab.{group}.{name}", "is missing", "add a list of phrases (it may be empty: [])")
            words[name] = _phrases(path, f"vocab.{group}.{name}", body[name])
        out[group] = MappingProxyType(words)
    return out


_TOP_KEYS = ("name", "title", "description", "pass_score", "criteria", "vocab", "extends")


def _merge(base: dict, over: dict) -> dict:
    """Tables merge key by key; anything else in ``over`` replaces what ``base`` had."""
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


_PARSE_CACHE_SCHEMA = 1
KEEP_RUBRICS = 20  # parsed rubrics kept in the cache (a rubric edited under ``grader watch`` adds one a save)


def _parse(raw_bytes: bytes) -> dict:
    """``tomllib.loads``, remembered as JSON in the user's cache folder by the file's content.

    A rubric's vocabularies are a few thousand strings, which Python's TOML parser reads in about
    15 ms, several per cent of a ``grader check``; json reads them back in well under one. The cache
    is only ever an optimisation: unreadable, damaged, unwritable or not the user's own, it is
    ignored, and a rubric whose TOML is invalid is never cached (it raises here as before).
    """
    import json

    from .paths import cache_dir, read_own_json, write_atomic

    folder = cache_dir()
    name = f"rubric-{hashlib.sha256(raw_bytes).hexdigest()[:32]}.json"
    cached = read_own_json(folder / name)
    if isinstance(cached, dict) and cached.get("schema") == _PARSE_CACHE_SCHEMA and isinstance(cached.get("toml"), dict):
        return cached["toml"]
    raw = tomllib.loads(raw_bytes.decode("utf-8"))
    try:
        # TOML's strings, integers, finite floats, booleans, arrays and tables come back from JSON as
        # they went in; dates and times have no JSON form and nan or inf none that is standard, so a
        # rubric holding one is parsed every time.
        text = json.dumps({"schema": _PARSE_CACHE_SCHEMA, "toml": raw}, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return raw
    try:
        write_atomic(folder / name, text)
        _forget_old_rubrics(folder)
    except OSError:
        pass
    return raw


def _forget_old_rubrics(folder: Path) -> None:
    found = sorted(folder.glob("rubric-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in found[KEEP_RUBRICS:]:
        old.unlink(missing_ok=True)


def _read(path: Path, seen: tuple[Path, ...]) -> tuple[dict, bytes]:
    """Parse a rubric file, following ``extends = "NAME|PATH"`` to the rubric it builds on."""
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise RubricError(f"{path}: cannot be read ({exc.strerror or exc})", "check the path and its permissions") from None
    try:
        raw = _parse(raw_bytes)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path}: not valid TOML ({exc})", "fix the syntax at the position given") from None
    for key in raw:
        if key not in _TOP_KEYS:
            raise _err(path, key, "is not a rubric setting",
                       "use name, title, description, pass_score, extends, [criteria.<id>] or [vocab.<group>]")
    parent = raw.pop("extends", None)
    if parent is None:
        return raw, raw_bytes
    _check_type(path, "extends", parent, str)
    base_path = resolve(parent if not parent.endswith(".toml") else str(path.parent / parent))
    if base_path.resolve() in seen or base_path.resolve() == path.resolve():
        raise _err(path, "extends", f"forms a loop through {base_path}", "point extends at a rubric that does not extend this one")
    base, base_bytes = _read(base_path, seen + (path.resolve(),))
    return _merge(base, raw), base_bytes + raw_bytes


def load_rubric(name_or_path: str | None = None) -> Rubric:
    """Load and validate a rubric by name (``klarna-take-home``) or path."""
    from .criteria import REGISTRY

    path = resolve(name_or_path)
    raw, raw_bytes = _read(path, seen=())
    for key in ("name", "title"):
        if key not in raw:
            raise _err(path, key, "is missing", f'add {key} = "..." at the top of the file')
        _check_type(path, key, raw[key], str)
    pass_score = _check_type(path, "pass_score", raw.get("pass_score", 100.0), float)
    if not 0 <= pass_score <= 100:
        raise _err(path, "pass_score", f"must be between 0 and 100, got {pass_score:g}", "use a score out of 100")
    table = raw.get("criteria")
    if not isinstance(table, dict) or not table:
        raise _err(path, "criteria", "is missing or empty", "add at least one [criteria.<id>] table")
    criteria: list[CriterionConfig] = []
    for cid, body in table.items():
        key = f"criteria.{cid}"
        if cid not in REGISTRY:
            raise _err(path, key, "is not a known criterion", f"use one of: {', '.join(sorted(REGISTRY))}")
        if not isinstance(body, dict):
            raise _err(path, key, "must be a table", f"write it as [{key}]")
        spec = REGISTRY[cid]
        # Unknown keys are reported even in a disabled criterion: a typo should not wait to be enabled.
        allowed = {"enabled", "weight", "title", "severity", "vocab", "messages", *spec.SETTINGS}
        for k in body:
            if k not in allowed:
                raise _err(path, f"{key}.{k}", "is not a setting of this criterion",
                           f"remove it, or use one of: {', '.join(sorted(allowed))}")
        if not _check_type(path, f"{key}.enabled", body.get("enabled", True), bool):
            continue
        weight = _check_type(path, f"{key}.weight", body.get("weight", 0), float)
        if weight < 0:
            raise _err(path, f"{key}.weight", "must not be negative", "use 0 or more")
        title = _check_type(path, f"{key}.title", body.get("title", spec.TITLE), str)
        severity = _check_type(path, f"{key}.severity", body.get("severity", getattr(spec, "SEVERITY", "error")), str)
        if severity not in ("error", "warning"):
            raise _err(path, f"{key}.severity", f"must be 'error' or 'warning', got {severity!r}", "pick one of the two")
        settings = {}
        for name, (kind, default) in spec.SETTINGS.items():
            value = body.get(name, default)
            if value is None:
                raise _err(path, f"{key}.{name}", "is missing", f"add {name} = <{kind.__name__}>")
            settings[name] = _check_type(path, f"{key}.{name}", value, kind)
            choices = getattr(spec, "CHOICES", {}).get(name)
            if choices and str(settings[name]).upper() not in choices:
                raise _err(path, f"{key}.{name}", f"must be one of {', '.join(choices)}, got {settings[name]!r}",
                           f"set {name} to one of {', '.join(choices)}")
            if kind in (int, float) and settings[name] < 0:
                raise _err(path, f"{key}.{name}", f"must not be negative, got {value!r}", "use 0 or more")
        vocab_raw = body.get("vocab", {})
        if not isinstance(vocab_raw, dict):
            raise _err(path, f"{key}.vocab", "must be a table", f"write it as [{key}.vocab]")
        vocab = {}
        for name in spec.VOCAB:
            words = vocab_raw.get(name)
            if words is None:
                raise _err(path, f"{key}.vocab.{name}", "is missing", "add a list of phrases (it may be empty: [])")
            _check_type(path, f"{key}.vocab.{name}", words, list)
            if not all(isinstance(w, str) and w.strip() for w in words):
                raise _err(path, f"{key}.vocab.{name}", "must hold only non-empty strings", "remove blank or non-text entries")
            vocab[name] = tuple(w.strip() for w in words)
        for name in vocab_raw:
            if name not in spec.VOCAB:
                raise _err(path, f"{key}.vocab.{name}", "is not a vocabulary of this criterion",
                           f"use one of: {', '.join(spec.VOCAB)}")
        messages_raw = body.get("messages", {})
        if not isinstance(messages_raw, dict):
            raise _err(path, f"{key}.messages", "must be a table", f"write it as [{key}.messages]")
        messages = {}
        for name in spec.MESSAGES:
            if name not in messages_raw:
                raise _err(path, f"{key}.messages.{name}", "is missing", "add the message text")
            messages[name] = _check_type(path, f"{key}.messages.{name}", messages_raw[name], str)
        criteria.append(CriterionConfig(
            id=cid, title=title, weight=weight, severity=severity,
            settings=MappingProxyType(settings),
            vocab=MappingProxyType(vocab),
            messages=MappingProxyType(messages),
        ))
    if not criteria:
        raise _err(path, "criteria", "has every criterion disabled", "enable at least one")
    groups = {g for c in criteria for g in getattr(REGISTRY[c.id], "SHARED", ())}
    shared = _shared(path, raw, groups)
    if sum(c.weight for c in criteria) <= 0:
        raise _err(path, "criteria.*.weight", "add up to zero", "give at least one criterion a positive weight")
    digest = hashlib.sha256(raw_bytes).hexdigest()[:16]
    return Rubric(name=raw["name"], title=raw["title"], path=str(path), digest=digest,
                  criteria=tuple(criteria), pass_score=pass_score, shared=MappingProxyType(shared))
