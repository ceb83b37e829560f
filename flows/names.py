"""What the Prefect UI shows of a phase run, for the coordinator who reads it.

Task run names are what the UI lists and the run graph draws, and the graph's canvas font has no Vietnamese letters
(it drew "1.1.1 T chc hi tho tp hun" for "1.1.1 Tổ chức hội thảo tập huấn"). So task run names are words of the
configured language without accents: the activity's id and title ("1.1.1 To chuc hoi thao tap huan..."), "ghi nhan"
(record), "gui thong bao" (deliver) — readable in the graph and the lists alike. The full text, with its accents, is
in the run's table artifact and in the history.
"""

from __future__ import annotations

import unicodedata

from models.messages import t


def plain(text: str) -> str:
    """``text`` in ASCII for the run graph: accents dropped (đ → d, … → ...), any other sign a space:
    "Tổ chức hội thảo…" → "To chuc hoi thao..."."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c if c.isascii() else " " for c in text if not unicodedata.combining(c))


def run_name(step: str) -> str:
    """A task's run name (``step``: record, deliver): its word in the configured language, without accents."""
    return plain(t(f"task.{step}"))
