"""The layers of docs/architecture.md hold, and the check that enforces them can fail.

`make test` runs the import-linter contracts of pyproject.toml (``lint-imports``). These
tests show that the contract catches an upward import (it is not a check that always
passes) and that no module dodges it with an import inside a function: import-linter sees
those too, but a function-level import is also how cycles used to be hidden.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "itplus"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def function_level_imports() -> list[str]:
    """``path:line in function: module`` for each itplus import inside a function, except
    in an ``AppConfig.ready()``, where an app registers its hooks once Django is ready."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(ROOT))

        def visit(node: ast.AST, function: str | None, where: str = where) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    visit(child, child.name)
                    continue
                if function and function != "ready" and isinstance(child, ast.ImportFrom):
                    module = "." * child.level + (child.module or "")
                    if module.startswith(("itplus", ".")):
                        found.append(f"{where}:{child.lineno} in {function}")
                if function and isinstance(child, ast.Import):
                    if any(alias.name.startswith("itplus") for alias in child.names):
                        found.append(f"{where}:{child.lineno} in {function}")
                visit(child, function)

        visit(tree, None)
    return found


def test_no_itplus_import_inside_a_function():
    assert function_level_imports() == []


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("layers")
    shutil.copytree(SRC, tree / "src" / "itplus", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_layer_contract_holds_and_fails_on_an_upward_import(source_copy):
    # given: the contract passes on the code as it is
    kept = lint_imports(source_copy)
    assert kept.returncode == 0, kept.stdout + kept.stderr

    # when: cash (a lower layer) imports maintenance (a higher one)
    services = source_copy / "src" / "itplus" / "store" / "cash" / "services.py"
    services.write_text(
        services.read_text(encoding="utf-8")
        + "\nfrom itplus.store.maintenance import scheduling  # noqa: E402,F401\n",
        encoding="utf-8",
    )

    # then: the contract is broken and says where
    broken = lint_imports(source_copy)
    assert broken.returncode != 0
    assert "itplus.store.cash is not allowed to import itplus.store.maintenance" in broken.stdout
