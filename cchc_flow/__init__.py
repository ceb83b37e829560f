"""cchc-flow: a public body's CCHC communication plan run as tracked, notified work.

The package root holds what every room shares (settings); its rooms live in the repository's top-level folders,
mapped in pyproject.toml: models/ (what things are and the rules), flows/ (Prefect flows), cli/ (the `cchc`
command), web/ (the portal), config/ (plans, unit directories and example routes, as data). See docs/architecture.md.
"""
