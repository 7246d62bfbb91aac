"""Tests mirror the code: every module of matricule/ with logic has its test module of the same
name at the same place under tests/ (matricule/payments/services.py → tests/payments/
test_services.py); tests that follow a feature across apps live in tests/flows/."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = ROOT / "matricule"

# Modules that declare rather than compute: the wiring Django reads (apps, URLs, settings,
# migrations) holds no logic of its own to test apart from the pages and services it wires.
WIRING = {"__init__.py", "apps.py", "settings.py", "wsgi.py"}


def has_logic(path: Path) -> bool:
    """A top-level function, or a class with a method other than __str__."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return True
        if isinstance(node, ast.ClassDef):
            methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
            if any(method.name != "__str__" for method in methods):
                return True
    return False


def modules_with_logic() -> list[Path]:
    found = []
    for path in sorted(CODE.rglob("*.py")):
        relative = path.relative_to(CODE)
        if "migrations" in relative.parts or path.name in WIRING or path.stem.endswith("urls"):
            continue
        if has_logic(path):
            found.append(relative)
    return found


def mirror_of(relative: Path) -> Path:
    return ROOT / "tests" / relative.parent / f"test_{relative.stem}.py"


def test_every_module_with_logic_has_its_test_module():
    missing = [str(relative) for relative in modules_with_logic() if not mirror_of(relative).exists()]
    assert not missing, "no test module for: " + ", ".join(missing)
