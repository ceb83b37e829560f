"""A plan's identity from the text around its table: number and symbol, date signed, issuer, title, the plan it
implements, legal basis and objectives. Each found item keeps the document's words."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

_SYMBOL = r"(\d+[A-Za-z]?/[0-9A-ZĐa-zđ]+(?:[-–][0-9A-ZĐa-zđ]+)*)"
_NUMBER = re.compile(
    rf"(?:(?:Quyết định|Kế hoạch|Chỉ thị|Nghị quyết|Công văn|Thông báo)\s+số|Số)\s*:?\s*{_SYMBOL}", re.IGNORECASE
)
_SIGNED_WORDS = re.compile(r"\bngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_SIGNED_DMY = re.compile(r"\bngày\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)
_ISSUER = re.compile(r"(?:Quyết định|Kế hoạch)\s+số\s*" + _SYMBOL + r"[^()]*?\bcủa\s+([^()]+?)\)?\s*$", re.IGNORECASE)
_PARENT = re.compile(
    r"^\s*(?:Thực hiện|Triển khai)\s+(?:Kế hoạch|Quyết định|Chương trình|Chỉ thị|Nghị quyết|"
    r"Công văn)\s+số\s*\S+.*",
    re.IGNORECASE,
)
_BASIS = re.compile(
    r"^\s*(?:[-+•]\s*)?(?:Căn cứ\s+)?(?:Luật|Nghị quyết|Nghị định|Chỉ thị|Quyết định|Thông tư|"
    r"Kế hoạch|Công văn)\s+(?:số\s*)?\S*/\S+",
    re.IGNORECASE,
)
_NOT_OWN = re.compile(r"^\s*(?:[-+•]|căn cứ|thực hiện|triển khai)", re.IGNORECASE)  # lines citing others
_MOTTO = ("CỘNG HÒA", "CỘNG HOÀ", "ĐỘC LẬP", "KẾ HOẠCH", "QUYẾT ĐỊNH")
_ABOUT = re.compile(r"^(?:V/v|Về việc)\s+(?:ban hành|phê duyệt)\s+(.+)$", re.IGNORECASE)
_TITLE_HEAD = re.compile(r"^(KẾ HOẠCH|CHƯƠNG TRÌNH)$")
_YEARS = re.compile(r"\b((?:19|20)\d{2})\s*(?:[-–]\s*((?:19|20)\d{2}))?")


@dataclass
class Identity:
    number: str | None = None
    signed: date | None = None
    issuer: str | None = None
    title: str | None = None
    parent: str | None = None
    legal_basis: list[str] = field(default_factory=list)
    general: str | None = None
    specific: list[str] = field(default_factory=list)
    found_in: dict[str, str] = field(default_factory=dict)  # what -> the paragraph it came from

    def years(self) -> tuple[int, int] | None:
        """The plan's span as its title says ("giai đoạn 2013 - 2015"), else the year it was signed."""
        if self.title and (m := list(_YEARS.finditer(self.title))):
            first, last = int(m[-1][1]), int(m[-1][2] or m[-1][1])
            if first <= last:
                return first, last
        return (self.signed.year, self.signed.year) if self.signed else None


def _signed(text: str) -> date | None:
    for pattern in (_SIGNED_WORDS, _SIGNED_DMY):
        if m := pattern.search(text):
            try:
                return date(int(m[3]), int(m[2]), int(m[1]))
            except ValueError:
                return None
    return None


def read_identity(paragraphs: list[str]) -> Identity:
    """What the paragraphs say about the plan (before its first table, as a decision lays it out)."""
    found = Identity()
    lines = [unicodedata.normalize("NFC", p).strip() for p in paragraphs if p.strip()]
    for i, line in enumerate(lines):
        if found.number is None and (m := _NUMBER.search(line)) and not _NOT_OWN.match(line):
            found.number = m[1]
            found.found_in["number"] = line
            heads = [x for x in lines[:i] if x.isupper() and not x.startswith(_MOTTO)]
            if heads and found.issuer is None:
                found.issuer = found.found_in["issuer"] = heads[-1]  # the letterhead; a "… của X" line wins
            near = [line[m.end() :], *lines[i + 1 : i + 4], *reversed(lines[max(i - 2, 0) : i])]
            found.signed = next((d for d in map(_signed, near) if d), None)
        if found.found_in.get("issuer") == found.issuer and (m := _ISSUER.search(line)):
            found.issuer = m[2].strip().rstrip(").")
            found.found_in["issuer"] = line
        if found.title is None and _TITLE_HEAD.match(line) and i + 1 < len(lines):
            title = [lines[i + 1]]
            if i + 2 < len(lines) and lines[i + 2].isupper() and not lines[i + 2].startswith("("):
                title.append(lines[i + 2])
            found.title = f"{line.capitalize()} {' '.join(title)}"
            found.found_in["title"] = " / ".join([line, *title])
        if found.title is None and (m := _ABOUT.match(line)):
            found.title = m[1][0].upper() + m[1][1:]
            found.found_in["title"] = line
        if found.parent is None and _PARENT.match(line):
            found.parent = line
            found.found_in["parent"] = line
        if _BASIS.match(line) and len(found.legal_basis) < 30 and line not in found.legal_basis:
            found.legal_basis.append(re.sub(r"^[-+•]\s*", "", line))
        low = line.casefold()
        if found.general is None and "mục tiêu chung" in low:
            rest = line.split(":", 1)[1].strip() if ":" in line else ""
            found.general = rest or (lines[i + 1] if i + 1 < len(lines) else None)
        if "mục tiêu cụ thể" in low and not found.specific:
            for nxt in lines[i + 1 : i + 12]:
                if re.match(r"^(?:[-+•]|mục tiêu\s+\d+)", nxt, re.IGNORECASE):
                    found.specific.append(re.sub(r"^[-+•]\s*", "", nxt))
                elif found.specific:
                    break
    if found.parent and found.parent not in found.legal_basis:
        found.legal_basis.insert(0, found.parent)
    return found


def plan_code(identity: Identity) -> str | None:
    """A code for the plan from its symbol and years: 3723/QĐ-BYT, 2013-2015 → byt-3723-2013-2015."""
    if not identity.number:
        return None
    plain = identity.number.replace("Đ", "D").replace("đ", "d")
    plain = "".join(c for c in unicodedata.normalize("NFD", plain) if unicodedata.category(c) != "Mn")
    num, _, symbol = plain.partition("/")
    issuer = symbol.split("-")[-1] if "-" in symbol else symbol
    years = identity.years()
    parts = [issuer, num] + ([str(years[0])] + ([str(years[1])] if years[1] != years[0] else []) if years else [])
    code = "-".join(re.sub(r"[^a-z0-9]+", "", p.lower()) for p in parts if p)
    return code if re.match(r"^[a-z0-9][a-z0-9-]*$", code) else None
