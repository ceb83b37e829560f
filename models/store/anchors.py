"""Chain anchors outside the database: written into what the leadership receives, read back by `audit verify`.

Whoever holds the database owner's rights can drop the triggers, change a step and re-hash the chain from there
on: the chain alone then looks whole. Every review report, every message the plan's leadership receives and every
message about periodic reports carries the heads of the plan's chains at that moment, one line each::

    cchc-anchor <plan code> <chain>:<seq>:<row hash>

Those copies live in mailboxes, outboxes and filed documents, out of the database's reach. `cchc audit verify
--anchors-from FILE|DIR` reads them back (Markdown, text, the outbox's JSON, Word documents) and checks that each
anchored row still has the hash it had.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from sqlmodel import Session, col, select

from cchc_flow.models.store.audit import CHAINS, MODELS

TAG = "cchc-anchor"
_LINE = re.compile(rf"{TAG}\s+(\S+)\s+({'|'.join(CHAINS)}):([0-9]+):([0-9a-f]{{64}})")
READABLE = (".md", ".txt", ".json", ".eml", ".html", ".csv", ".docx")


def anchor_lines(session: Session, plan_id: int, plan_code: str) -> list[str]:
    """The plan's chain heads now, as anchor lines (a chain with no row yet has none)."""
    lines = []
    for chain in CHAINS:
        model = MODELS[chain]
        head = session.execute(
            select(col(model.seq), col(model.row_hash))
            .where(model.plan_id == plan_id)
            .order_by(col(model.seq).desc())
            .limit(1)
        ).first()
        if head and head[1]:
            lines.append(f"{TAG} {plan_code} {chain}:{head[0]}:{head[1]}")
    return lines


def read_anchors(paths: Iterable[Path]) -> tuple[dict[tuple[str, str], list[tuple[int, str]]], int]:
    """Every anchor found in ``paths`` (files, or folders read whole): ((plan, chain) -> [(seq, hash)], files
    that held at least one)."""
    found: dict[tuple[str, str], list[tuple[int, str]]] = {}
    files = 0
    for path in _files(paths):
        hits = _LINE.findall(_text(path))
        files += bool(hits)
        for plan, chain, seq, digest in hits:
            found.setdefault((plan, chain), []).append((int(seq), digest))
    return found, files


def _files(paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READABLE)
        else:
            yield path


def _text(path: Path) -> str:
    """A file's text: a Word document's paragraphs and cells, anything else read as UTF-8 (bad bytes replaced)."""
    if path.suffix.lower() == ".docx":
        import docx  # python-docx loads only for a Word file: the CLI starts without it

        try:
            doc = docx.Document(str(path))
        except Exception:
            pass
        else:
            cells = (c.text for table in doc.tables for row in table.rows for c in row.cells)
            return "\n".join([*(p.text for p in doc.paragraphs), *cells])
    return path.read_bytes().decode("utf-8", errors="replace")
