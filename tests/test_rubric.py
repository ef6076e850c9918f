"""Rubrics are data: they load by name or path, and a malformed one names the file, the key and the fix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import grader.criteria as criteria_package
from grader.criteria import REGISTRY
from grader.errors import EXIT_USAGE, RubricError
from grader.grading import grade_document
from grader.readers.text import parse_markdown
from grader.rubric import DEFAULT_RUBRIC, available_rubrics, load_rubric

TESTS = Path(__file__).parent
TWO_PAGE = TESTS / "rubrics" / "dollar-two-page.toml"


def dump(data: dict) -> str:
    """A small TOML writer for the rubric shapes used here (tables, strings, numbers, lists)."""

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)  # a JSON string is a valid TOML basic string
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise TypeError(v)

    lines: list[str] = []

    def table(prefix: str, d: dict) -> None:
        if prefix:
            lines.append(f"\n[{prefix}]")
        for k, v in d.items():
            if not isinstance(v, dict):
                lines.append(f"{k} = {value(v)}")
        for k, v in d.items():
            if isinstance(v, dict):
                table(f"{prefix}.{k}" if prefix else k, v)

    table("", data)
    return "\n".join(lines) + "\n"


def minimal() -> dict:
    """The smallest valid rubric for today's criteria, built from what each criterion declares."""
    criteria = {}
    for cid, spec in REGISTRY.items():
        criteria[cid] = {
            "weight": 10,
            "vocab": {name: [] for name in spec.VOCAB},
            "messages": {name: f"{cid} {name}" for name in spec.MESSAGES},
        }
    data = {"name": "mini", "title": "Mini rubric", "criteria": criteria}
    shared = getattr(criteria_package, "SHARED_VOCAB", {})
    if shared:  # vocabularies several criteria share live under [vocab.<group>]
        data["vocab"] = {group: {name: [] for name in names} for group, names in shared.items()}
    return data


def first_with(attr: str) -> str:
    return next(cid for cid, spec in REGISTRY.items() if getattr(spec, attr))


@pytest.fixture
def write_rubric(tmp_path):
    def run(data: dict | str, name: str = "rubric.toml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else dump(data), encoding="utf-8")
        return path

    return run


def three_pages(text_per_page: str = "We should ship it. It would add €2.3M in revenue a year.") -> str:
    pages = [f"# Draft\n\n{text_per_page}\n"] + [f"{text_per_page}\n"] * 2
    return "\n<!-- pagebreak -->\n\n".join(pages)


# --- loading -------------------------------------------------------------------------------------


def test_the_default_rubric_loads_by_name():
    rubric = load_rubric(DEFAULT_RUBRIC)
    assert rubric.name == DEFAULT_RUBRIC
    assert rubric.title
    assert {c.id for c in rubric.criteria} <= set(REGISTRY)
    assert load_rubric().digest == rubric.digest  # and it is the default


def test_the_default_rubric_loads_by_path():
    path = available_rubrics()[DEFAULT_RUBRIC]
    by_path = load_rubric(str(path))
    assert by_path.name == DEFAULT_RUBRIC
    assert by_path.digest == load_rubric(DEFAULT_RUBRIC).digest
    assert load_rubric(path).digest == by_path.digest  # a Path works too


def test_available_rubrics_finds_the_default():
    found = available_rubrics()
    assert DEFAULT_RUBRIC in found
    assert found[DEFAULT_RUBRIC].is_file() and found[DEFAULT_RUBRIC].suffix == ".toml"


def test_every_criterion_setting_of_the_default_has_the_declared_type():
    for c in load_rubric().criteria:
        for name, (kind, _) in REGISTRY[c.id].SETTINGS.items():
            assert isinstance(c.settings[name], kind), (c.id, name)


def test_a_minimal_rubric_built_from_the_registry_loads(write_rubric):
    rubric = load_rubric(str(write_rubric(minimal())))
    assert [c.id for c in rubric.criteria] == list(REGISTRY)


def test_loaded_settings_are_read_only():
    c = load_rubric().criteria[0]
    with pytest.raises(TypeError):
        c.settings["x"] = 1  # type: ignore[index]


# --- malformed rubrics ---------------------------------------------------------------------------


def _mutate(fn) -> dict:
    data = minimal()
    fn(data)
    return data


def _unknown_criterion(d):
    d["criteria"]["no-such-check"] = {"weight": 1}


def _unknown_key(d):
    d["criteria"]["page-limit"]["max_page"] = 2


def _wrong_type(d):
    d["criteria"]["page-limit"]["weight"] = "heavy"


def _missing_vocab(d):
    cid = first_with("VOCAB")
    del d["criteria"][cid]["vocab"][REGISTRY[cid].VOCAB[0]]


def _missing_message(d):
    cid = first_with("MESSAGES")
    del d["criteria"][cid]["messages"][REGISTRY[cid].MESSAGES[0]]


def _negative_weight(d):
    d["criteria"]["page-limit"]["weight"] = -5


def _all_disabled(d):
    for body in d["criteria"].values():
        body["enabled"] = False


def _infinite_weight(d):
    d["criteria"]["page-limit"]["weight"] = float("inf")


def _negative_setting(d):
    d["criteria"]["page-limit"]["max_pages"] = -1


def _float_for_int(d):
    d["criteria"]["page-limit"]["max_pages"] = 2.5


def _bad_severity(d):
    d["criteria"]["page-limit"]["severity"] = "fatal"


def _pass_score_out_of_range(d):
    d["pass_score"] = 150


def _unknown_vocab(d):
    cid = first_with("VOCAB")
    d["criteria"][cid]["vocab"]["made_up"] = ["x"]


def _blank_phrase(d):
    cid = first_with("VOCAB")
    d["criteria"][cid]["vocab"][REGISTRY[cid].VOCAB[0]] = ["ok", "  "]


def _vocab_not_a_list(d):
    cid = first_with("VOCAB")
    d["criteria"][cid]["vocab"][REGISTRY[cid].VOCAB[0]] = "risk"


def _typo_in_a_disabled_criterion(d):
    d["criteria"]["page-limit"]["enabled"] = False
    d["criteria"]["page-limit"]["max_page"] = 2


def _zero_weights(d):
    for body in d["criteria"].values():
        body["weight"] = 0


def _missing_title(d):
    del d["title"]


def _criteria_missing(d):
    del d["criteria"]


def _enabled_not_bool(d):
    d["criteria"]["page-limit"]["enabled"] = "no"


MALFORMED = [
    (_unknown_criterion, "criteria.no-such-check", "not a known criterion"),
    (_unknown_key, "criteria.page-limit.max_page", "not a setting"),
    (_wrong_type, "criteria.page-limit.weight", "'heavy'"),
    (_missing_vocab, "vocab.", "is missing"),
    (_missing_message, "messages.", "is missing"),
    (_negative_weight, "criteria.page-limit.weight", "negative"),
    (_all_disabled, "criteria", "disabled"),
    (_infinite_weight, "criteria.page-limit.weight", "finite"),
    (_negative_setting, "criteria.page-limit.max_pages", "negative"),
    (_float_for_int, "criteria.page-limit.max_pages", "whole number"),
    (_bad_severity, "criteria.page-limit.severity", "'fatal'"),
    (_pass_score_out_of_range, "pass_score", "between 0 and 100"),
    (_unknown_vocab, "vocab.made_up", "not a vocabulary"),
    (_blank_phrase, "vocab.", "non-empty strings"),
    (_vocab_not_a_list, "vocab.", "a list"),
    (_typo_in_a_disabled_criterion, "criteria.page-limit.max_page", "not a setting"),
    (_zero_weights, "weight", "zero"),
    (_missing_title, "[title]", "is missing"),
    (_criteria_missing, "[criteria]", "missing"),
    (_enabled_not_bool, "criteria.page-limit.enabled", "true or false"),
]


@pytest.mark.parametrize(("mutate", "key", "problem"), MALFORMED, ids=[m[0].__name__.strip("_") for m in MALFORMED])
def test_a_malformed_rubric_names_the_file_and_the_key(write_rubric, mutate, key, problem):
    path = write_rubric(_mutate(mutate))
    with pytest.raises(RubricError) as info:
        load_rubric(str(path))
    line = info.value.line()
    assert str(path) in line
    assert key in line
    assert problem in line
    assert "; " in line  # followed by the fix
    assert "\n" not in line
    assert info.value.exit_code == EXIT_USAGE


def test_the_missing_vocab_and_message_keys_are_named_in_full(write_rubric):
    cid = first_with("VOCAB")
    with pytest.raises(RubricError, match=re.escape(f"[criteria.{cid}.vocab.{REGISTRY[cid].VOCAB[0]}]")):
        load_rubric(str(write_rubric(_mutate(_missing_vocab))))
    cid = first_with("MESSAGES")
    with pytest.raises(RubricError, match=re.escape(f"[criteria.{cid}.messages.{REGISTRY[cid].MESSAGES[0]}]")):
        load_rubric(str(write_rubric(_mutate(_missing_message))))


def test_a_toml_syntax_error_names_the_file_and_the_position(write_rubric):
    path = write_rubric('name = "x"\ntitle = "y"\n[criteria.page-limit]\nweight = \n')
    with pytest.raises(RubricError) as info:
        load_rubric(str(path))
    line = info.value.line()
    assert str(path) in line and "not valid TOML" in line and "line 4" in line


def test_a_rubric_that_is_not_utf8(write_rubric, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(RubricError, match=re.escape(str(path))):
        load_rubric(str(path))


def test_a_missing_rubric_file(tmp_path):
    with pytest.raises(RubricError, match="not found"):
        load_rubric(str(tmp_path / "nope.toml"))


def test_an_unknown_rubric_name_lists_the_known_ones():
    with pytest.raises(RubricError) as info:
        load_rubric("no-such-rubric")
    assert DEFAULT_RUBRIC in info.value.line()


def test_a_folder_is_not_a_rubric(tmp_path):
    folder = tmp_path / "x.toml"
    folder.mkdir()
    with pytest.raises(RubricError):
        load_rubric(str(folder))


# --- enabling and disabling ----------------------------------------------------------------------


def _default_with(extra_line: str, section: str) -> str:
    text = available_rubrics()[DEFAULT_RUBRIC].read_text(encoding="utf-8")
    header = f"[criteria.{section}]\n"
    assert header in text
    return text.replace(header, header + extra_line + "\n", 1)


def test_a_disabled_criterion_is_absent_from_the_results(write_rubric):
    path = write_rubric(_default_with("enabled = false", "no-grid-search"))
    rubric = load_rubric(str(path))
    assert "no-grid-search" not in [c.id for c in rubric.criteria]
    result = grade_document(parse_markdown(three_pages(), source="d.md"), rubric)
    ids = [c.id for c in result.criteria]
    assert "no-grid-search" not in ids
    assert ids == [c.id for c in rubric.criteria]


def test_a_disabled_criterion_may_be_just_a_switch(write_rubric):
    data = minimal()
    data["criteria"]["page-limit"] = {"enabled": False}
    rubric = load_rubric(str(write_rubric(data)))
    assert "page-limit" not in [c.id for c in rubric.criteria]


def test_enabled_true_is_the_same_as_no_switch(write_rubric):
    path = write_rubric(_default_with("enabled = true", "no-grid-search"))
    assert [c.id for c in load_rubric(str(path)).criteria] == [c.id for c in load_rubric().criteria]


# --- a second rubric -----------------------------------------------------------------------------


def test_the_two_page_rubric_extends_the_default_and_changes_only_the_page_limit():
    default, two = load_rubric(), load_rubric(str(TWO_PAGE))
    assert two.name == "dollar-two-page"
    assert [c.id for c in two.criteria] == [c.id for c in default.criteria]
    for mine, base in zip(two.criteria, default.criteria, strict=True):
        assert mine.weight == base.weight and dict(mine.vocab) == dict(base.vocab)
        if mine.id == "page-limit":
            assert mine.settings["max_pages"] == 2 and base.settings["max_pages"] == 3
        else:
            assert dict(mine.settings) == dict(base.settings)


def test_extends_merges_tables_and_refuses_loops(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('extends = "klarna-take-home"\nname = "child"\ntitle = "Child"\n'
                     '[criteria.euro-impact]\nenabled = false\n', encoding="utf-8")
    ids = [c.id for c in load_rubric(str(child)).criteria]
    assert "euro-impact" not in ids and "page-limit" in ids
    loop_a, loop_b = tmp_path / "a.toml", tmp_path / "b.toml"
    loop_a.write_text('extends = "b.toml"\nname = "a"\ntitle = "A"\n', encoding="utf-8")
    loop_b.write_text('extends = "a.toml"\nname = "b"\ntitle = "B"\n', encoding="utf-8")
    with pytest.raises(RubricError, match="extends"):
        load_rubric(str(loop_a))


def test_a_three_page_draft_passes_the_default_page_limit_and_fails_the_two_page_one():
    doc = parse_markdown(three_pages(), source="three.md")
    assert doc.page_count == 3
    default = {c.id: c for c in grade_document(doc, load_rubric()).criteria}
    two_page = load_rubric(str(TWO_PAGE))
    assert two_page.name == "dollar-two-page"
    strict = {c.id: c for c in grade_document(doc, two_page).criteria}
    assert default["page-limit"].passed
    assert not strict["page-limit"].passed
    assert "3 pages" in strict["page-limit"].message and "2-page" in strict["page-limit"].message


def test_a_two_page_draft_passes_both():
    text = three_pages().rsplit("<!-- pagebreak -->", 1)[0]
    doc = parse_markdown(text, source="two.md")
    assert doc.page_count == 2
    for rubric in (load_rubric(), load_rubric(str(TWO_PAGE))):
        assert {c.id: c for c in grade_document(doc, rubric).criteria}["page-limit"].passed


def test_a_setting_with_choices_refuses_others(tmp_path):
    path = tmp_path / "yen.toml"
    path.write_text('extends = "klarna-take-home"\nname = "yen"\ntitle = "Yen"\n'
                    '[criteria.euro-impact]\ncurrency = "JPY"\n', encoding="utf-8")
    with pytest.raises(RubricError, match=r"\[criteria\.euro-impact\.currency\] must be one of EUR, USD, GBP"):
        load_rubric(str(path))


def test_a_parsed_rubric_is_cached_by_content_and_a_damaged_cache_is_ignored(tmp_path, monkeypatch):
    import json

    from grader import rubric as rubric_module

    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    first = load_rubric()
    cached = list((tmp_path / "cache").glob("rubric-*.json"))
    assert len(cached) == 1 and json.loads(cached[0].read_text(encoding="utf-8"))["schema"] == 1
    assert load_rubric() == first  # read back from the cache

    def no_toml(_text):
        raise AssertionError("parsed the TOML again")

    monkeypatch.setattr(rubric_module.tomllib, "loads", no_toml)
    assert load_rubric() == first  # the cache, not the TOML
    monkeypatch.undo()
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    cached[0].write_text('{"schema": 1, "toml": ', encoding="utf-8")  # cut short
    assert load_rubric() == first
    cached[0].write_text('{"schema": 1, "toml": {"name": "other", "criteria": {}}}', encoding="utf-8")
    # A cache entry is found by the file's digest, so a wrong one only matters if someone writes it there:
    # it is then validated like any rubric.
    with pytest.raises(RubricError):
        load_rubric()


def test_an_unwritable_cache_does_not_stop_grading(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("GRADER_CACHE_DIR", str(blocker / "cache"))
    assert load_rubric().name == "klarna-take-home"


def test_a_cache_file_that_is_not_the_users_own_is_not_trusted(tmp_path, monkeypatch):
    import os

    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    first = load_rubric()
    (cached,) = (tmp_path / "cache").glob("rubric-*.json")
    poisoned = cached.read_text(encoding="utf-8").replace('"klarna-take-home"', '"poisoned"', 1)
    cached.write_text(poisoned, encoding="utf-8")
    assert load_rubric().name == "poisoned"  # the user's own file is read as it is
    cached.chmod(0o666)  # but one anybody may write is not
    assert load_rubric() == first
    cached.unlink()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(poisoned, encoding="utf-8")
    os.symlink(elsewhere, cached)  # nor a link
    assert load_rubric() == first
    cached.unlink()
    cached.write_text("[" * 200_000, encoding="utf-8")  # nor one too deep to parse
    assert load_rubric() == first


def test_toml_that_json_cannot_carry_is_never_cached(tmp_path, monkeypatch):
    import math

    from grader.rubric import _parse

    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    assert math.isnan(_parse(b"x = nan\n")["x"])
    assert str(_parse(b"when = 2026-12-05\n")["when"]) == "2026-12-05"
    assert _parse(b"y = 1.5\n") == {"y": 1.5}
    assert len(list((tmp_path / "cache").glob("rubric-*.json"))) == 1  # only the last one
