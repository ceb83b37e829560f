"""Choosing an organisation by its code (pure): lists that mix organisations filter by one, and a code that names
none is refused with the known ones."""

from __future__ import annotations

from collections.abc import Mapping

from cchc_flow.models.rules.messages import t


class UnknownOrganisation(ValueError):
    """The code names no known organisation; the message lists the known ones."""


def chosen_organisation(code: str, known: Mapping[str, str | None]) -> str:
    """``code`` as stored (upper case) when ``known`` (code -> name) has it; UnknownOrganisation otherwise."""
    wanted = code.strip().upper()
    if wanted in known:
        return wanted
    listed = ", ".join(f"{c} ({n})" if n else c for c, n in sorted(known.items())) or "-"
    raise UnknownOrganisation(t("org.unknown", code=code, known=listed))
