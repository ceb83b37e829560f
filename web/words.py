"""Words for people: what the history stores as codes (``unit:T5G #3``, ``web``, ``loaded``, ``open``) said on the
pages in the page's language, with the unit's name.

    person("coordinator:VPB #9", {"VPB": "Văn phòng Bộ"}, "vi")   # "Đầu mối Văn phòng Bộ (VPB)"
    person("refused: unit:T5G #3 ...", names, "en")              # every principal in a note is named the same way
"""

from __future__ import annotations

import re

from cchc_flow.models.rules.messages import MESSAGES, t

PRINCIPAL = re.compile(r"\b(unit|coordinator|auditor):([A-Z0-9][A-Z0-9_.-]*)?(?: #\d+)?")


def person(text: str | None, names: dict[str, str], lang: str) -> str:
    """``text`` with every principal label (role:UNIT and its token number) replaced by the role and unit name; the
    system's own actors (cchc-flow, no-token) in words."""
    if not text:
        return ""
    if f"actor.{text}" in MESSAGES:  # an act without a person: the system's, or one that needs no token
        return t(f"actor.{text}", lang)

    def said(m: re.Match[str]) -> str:
        role, unit = m.group(1), m.group(2)
        if not unit:
            return t(f"web.role.{role}", lang)
        name = names.get(unit)
        return t(f"web.person.{role}", lang, unit=f"{name} ({unit})" if name and name != unit else unit)

    return PRINCIPAL.sub(said, text)


def word(kind: str, code: str | None, lang: str) -> str:
    """A stored code (``kind``: event, state, source, entity) in words, or the code itself when it has none."""
    if not code:
        return ""
    key = f"{kind}.{code}"
    return t(key, lang) if key in MESSAGES else code


def change(from_state: str | None, to_state: str | None, lang: str) -> str:
    """A step's change of state: "đã giao → đã báo cáo"; a first state alone ("đã nạp"), never "∅ → loaded"."""
    if not to_state:
        return ""
    if not from_state:
        return word("state", to_state, lang)
    return f"{word('state', from_state, lang)} → {word('state', to_state, lang)}"
