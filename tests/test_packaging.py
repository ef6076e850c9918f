"""The wheel carries what an installed grader needs: the default rubric and the report template."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{proc.stderr[-2000:]}")
    return next(out.glob("grader-*.whl"))


def test_wheel_contains_rubrics_and_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "grader/rubrics/klarna-take-home.toml" in names
    assert "grader/templates/report.html.j2" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_installed_wheel_finds_its_default_rubric(wheel, tmp_path):
    """Unpacked on its own (no source tree beside it), the package still finds the default rubric."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import grader.rubric as r, pathlib; "
        "p = r.resolve(None); "
        "assert pathlib.Path(p).is_relative_to(pathlib.Path(r.__file__).parent), p; "
        "print(r.load_rubric().name)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(site), "PATH": ""}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "klarna-take-home"
