"""``assay.__all__`` lists exactly the public names, sorted, and each one resolves."""

from __future__ import annotations

import subprocess
import sys
import types

import assay


def test_all_is_sorted_and_unique() -> None:
    assert list(assay.__all__) == sorted(set(assay.__all__))


def test_every_exported_name_resolves() -> None:
    for name in assay.__all__:
        assert getattr(assay, name) is not None, name


def test_every_public_name_is_exported() -> None:
    public = {
        name
        for name in dir(assay)
        if not name.startswith("_") and not isinstance(getattr(assay, name), types.ModuleType)
    }
    assert public - set(assay.__all__) == set()
    assert set(assay.__all__) - public - {"__version__"} == set()


def test_exported_classes_say_they_live_in_assay_modules() -> None:
    for name in assay.__all__:
        value = getattr(assay, name)
        module = getattr(value, "__module__", None)
        if module is not None:
            assert module.startswith("assay"), (name, module)


def test_import_assay_stays_light() -> None:
    code = (
        "import sys, assay; heavy = [m for m in ('numpy', 'scipy', 'sqlalchemy', 'matplotlib', "
        "'typer', 'rich') if m in sys.modules]; print(','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
