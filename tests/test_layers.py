"""The app layering of docs/architecture.md holds (.importlinter, checked by import-linter), and
the check does catch an upward import, counted even inside a function."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), str(tree / ".importlinter"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_its_layers():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def copy_of_the_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "matricule", tree / "matricule", ignore=shutil.ignore_patterns("locale", "static"))
    shutil.copy(ROOT / ".importlinter", tree / ".importlinter")
    return tree


def test_an_upward_import_inside_a_function_fails_the_check(tmp_path):
    tree = copy_of_the_tree(tmp_path)
    services = tree / "matricule" / "audit" / "services.py"
    services.write_text(
        services.read_text()
        + "\n\ndef sneaky():\n    from matricule.registration.models import Registration\n"
    )
    result = lint(tree)
    assert result.returncode != 0
    assert "matricule.audit is not allowed to import matricule.registration" in result.stdout


def test_a_cycle_between_the_modules_of_an_app_fails_the_check(tmp_path):
    tree = copy_of_the_tree(tmp_path)
    context = tree / "matricule" / "audit" / "context.py"
    context.write_text(context.read_text() + "\n\ndef loop():\n    from . import services  # noqa\n")
    result = lint(tree)
    assert result.returncode != 0
    assert "No cycles are allowed in matricule.audit" in result.stdout


def test_no_app_imports_the_private_names_of_another():
    """What an app offers others is public; its `_helpers` are its own."""
    import ast

    borrowed = []
    for path in (ROOT / "matricule").rglob("*.py"):
        relative = path.relative_to(ROOT / "matricule")
        if "migrations" in relative.parts:
            continue
        own = relative.parts[0] if len(relative.parts) > 1 else None
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                parts = node.module.split(".")
                if parts[0] != "matricule" or len(parts) < 2 or parts[1] == own:
                    continue
                borrowed += [
                    f"{relative}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")
                ]
    assert not borrowed, borrowed


def test_every_email_goes_through_notifications():
    """Only the notifications app builds and sends messages (one log, one delivery path)."""
    senders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "matricule").rglob("*.py")
        if "notifications" not in path.parts
        and any(f"{word} django.core.mail" in path.read_text() for word in ("from", "import"))
    ]
    assert not senders, senders
