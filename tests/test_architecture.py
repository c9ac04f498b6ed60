"""Layering contracts (import-linter) and the registry's monopoly on units."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.skip("import-linter is not installed")
    proc = subprocess.run([exe], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# Unit conversion factors must live in painmech.registry only.
FACTORS = [r"98\.0665", r"6\.894757", r"365\.25"]


def test_no_module_outside_registry_hardcodes_unit_factors():
    offenders = []
    for path in (ROOT / "src" / "painmech").rglob("*.py"):
        if "registry" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {pat}" for pat in FACTORS
                      if re.search(pat, text)]
    assert not offenders, offenders


def test_package_imports_without_adapters():
    code = ("import sys, painmech.registry, painmech.io; "
            "bad=[m for m in sys.modules if m.startswith(('fastapi','sqlalchemy','weasyprint'))]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
