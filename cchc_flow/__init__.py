"""cchc-flow: a public body's CCHC communication plan run as tracked, notified work.

The package root holds what every room shares (settings). Its subpackages are the repository's top-level folders:
models/ (what things are, and the rules), flows/ (the Prefect flows), cli/ (the `cchc` command), web/ (the portal)
and config/ (plans, unit directories and example routes, as data). pyproject.toml maps them into this namespace
for an installed wheel; in a checkout (a folder with pyproject.toml above this one) they are found beside this
folder, so that PYTHONPATH=<checkout> runs that checkout's code. See docs/architecture.md.
"""

from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "models" / "__init__.py").is_file():
    __path__.append(str(_CHECKOUT))
