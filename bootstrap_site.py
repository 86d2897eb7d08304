"""Make the project's ``site/`` folder importable as the package ``site``.

Python imports the standard-library module ``site`` at start-up, so a plain
``import site.settings`` finds that module and fails with "'site' is not a
package". Every entry point (manage.py, gunicorn's config, the pytest plugin
option in pytest.ini) imports this module first: it loads ``./site`` under the
name ``site`` and copies the standard module's public functions onto it, so code
that still calls ``site.getsitepackages()`` keeps working.
"""
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def install():
    current = sys.modules.get("site")
    if current is not None and getattr(current, "__path__", None):
        return current  # already our package
    package_dir = ROOT / "site"
    spec = importlib.util.spec_from_file_location(
        "site", package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    package = importlib.util.module_from_spec(spec)
    if current is not None:
        for name, value in vars(current).items():
            if not name.startswith("__"):
                package.__dict__.setdefault(name, value)
    sys.modules["site"] = package
    spec.loader.exec_module(package)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return package


install()
