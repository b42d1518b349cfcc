"""The engine's public face (points/__init__.py): every exported name resolves to its
module's object, mypy sees the same names, and `import points` loads nothing heavy."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import points

INIT = Path(points.__file__)


def _type_checking_names() -> set[str]:
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    guard = next(node for node in tree.body if isinstance(node, ast.If)
                 and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    return {alias.asname or alias.name for node in guard.body
            if isinstance(node, ast.ImportFrom) for alias in node.names}


@pytest.mark.parametrize("name", points.__all__)
def test_every_exported_name_resolves_to_its_modules_object(name: str) -> None:
    module = importlib.import_module(points._EXPORTS[name])
    assert getattr(points, name) is getattr(module, points._RENAMED.get(name, name))


def test_all_the_lazy_table_and_the_type_checking_imports_agree() -> None:
    assert len(set(points.__all__)) == len(points.__all__)
    assert set(points.__all__) == set(points._EXPORTS) == _type_checking_names()
    assert set(points.__all__) <= set(dir(points))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        points.no_such_thing  # type: ignore[attr-defined]  # noqa: B018


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"import sys\n{code}\nprint(*sys.modules)"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_import_points_loads_neither_polars_nor_the_rule_loader() -> None:
    loaded = _loaded_after("import points")
    assert not {"polars", "pyarrow", "yaml", "points.rules", "points.feeds"} & loaded
    # a name loads its own module, and only what that module needs
    loaded = _loaded_after("from points import load_profile, mask_id_number")
    assert {"points.rules", "points.identifiers", "yaml"} <= loaded
    assert "polars" not in loaded
    assert "polars" in _loaded_after("from points import score_population")
