"""Unit cells as written ("- VPB,\\n\\n- T5G", "Vụ TCCB, TTKT") split into names and resolved with the unit
directory's aliases and slips (cchc_flow.models.rules.plan.Directory.resolve); suggestions for the names it does not know."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cchc_flow.models.rules.plan import Directory

_BULLET = re.compile(r"^\s*(?:[-+•*–—]|\d{1,2}[.)]|[a-zđ][.)])\s*")
# words that start a unit's name and carry over to the next name of a list ("Vụ TCCB, TTKT")
_PREFIXES = ("Văn phòng", "Trung tâm", "Vụ", "Cục", "Báo", "Viện", "Phòng", "Ban", "Sở", "Tạp chí", "Bệnh viện")


@dataclass(frozen=True)
class UnitName:
    written: str  # as the draft writes it (the document's words; a carried-over prefix added)
    code: str | None  # the directory's code, None when unknown
    carried: str | None = None  # the prefix carried over from the name before, when that was needed


def split_names(cell: str) -> list[str]:
    """The names in a unit cell: one per line or bullet, and between commas or semicolons (a part starting in
    lower case goes on with the name before it)."""
    names = []
    for line in cell.split("\n"):
        line = _BULLET.sub("", line).strip()
        parts: list[str] = []
        for part in re.split(r"([,;])", line):
            if part in (",", ";"):
                continue
            part = part.strip().strip(".:").strip()
            if part and parts and part[0].islower():  # "Các phòng, ban chức năng": one name written with a comma
                parts[-1] = f"{parts[-1]}, {part}"
            elif part:
                parts.append(part)
        names += parts
    return names


def _prefix(name: str) -> str | None:
    return next((p for p in _PREFIXES if name.startswith(p + " ") and len(name) > len(p) + 1), None)


def resolve_cell(cell: str, directory: Directory) -> list[UnitName]:
    """Each name of the cell with its code; a short name the directory does not know is tried again with the
    prefix of the name before it ("Vụ TCCB, TTKT" → "Vụ TTKT")."""
    out: list[UnitName] = []
    prefix = None
    for name in split_names(cell):
        hit = directory.resolve(name)
        if hit is None and prefix and not _prefix(name):
            carried = directory.resolve(f"{prefix} {name}")
            if carried is not None:
                out.append(UnitName(f"{prefix} {name}", carried[0], prefix))
                continue
        out.append(UnitName(name, hit[0] if hit else None))
        prefix = _prefix(name) or prefix
    return out


def _ascii(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def suggest_code(name: str, taken: set[str]) -> str:
    """A directory code for a new unit: the initials of its name ("Trung tâm Kiểm soát bệnh tật" → TTKSBT, an
    abbreviation kept whole: "CDC Kon Tum" → CDCKT), or the name itself when written as an abbreviation; unique."""
    plain = _ascii(name)
    words = re.findall(r"[A-Za-z0-9]+", plain)
    if len(words) == 1 or (words and all(w.isupper() for w in words)):
        base = "_".join(w.upper() for w in words)
    else:
        base = "".join(w if w.isupper() and len(w) > 1 else w[0].upper() for w in words)
    base = re.sub(r"^[^A-Z]+", "", base) or "DV"
    code, n = base[:24], 2
    while code in taken:
        code, n = f"{base[:22]}{n}", n + 1
    taken.add(code)
    return code


def suggest_kind(name: str) -> str:
    low = name.casefold()
    if low.startswith(("báo ", "tạp chí", "đài ")):
        return "newspaper"
    if "đảng ủy" in low or "đảng uỷ" in low or low.startswith("chi bộ"):
        return "party_office"
    if low.startswith(("công đoàn", "đoàn thanh niên", "hội ")):
        return "mass_organisation"
    if low.startswith(("lãnh đạo", "ban giám đốc", "giám đốc")):
        return "leadership"
    if low.startswith(("các ", "những ")):
        return "group"
    return "unit"


def suggest_entry(written: str, taken: set[str]) -> dict[str, object]:
    """A directory entry for a name the directory does not know: code, name (unless the name is itself an
    abbreviation, which the code then is), kind, no aliases yet, and a routing tag as config/units.yaml has."""
    code = suggest_code(written, taken)
    entry: dict[str, object] = {"code": code}
    if _ascii(written).replace(" ", "_").upper() != code:
        entry["name"] = written
    entry.update(
        kind=suggest_kind(written),
        aliases=[] if "name" in entry or code == written else [written],
        tags=[f"unit-{code.lower()}"],
    )
    return entry
