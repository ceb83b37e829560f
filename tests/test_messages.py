"""Every message in both languages with the same placeholders; no user-facing text speaks of tracker issues."""

from __future__ import annotations

import re
import string
from pathlib import Path

import typer

from cchc_flow.cli.main import app
from cchc_flow.models.rules.messages import MESSAGES

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = ("web/templates", "models/notify/templates")
# a tracker's issue or ticket: "issue 7", "issue #12", "ticket", "vấn đề số 3", a bare "#12" (not PKCS#12, not #{id})
TRACKER = re.compile(
    r"\b(?:issue|ticket|bug)s?\s*(?:no\.?\s*)?#?\s*\d|\btickets?\b|\bvấn đề số\b|\bphiếu số\b|(?<![\w{&])#\d+\b",
    re.IGNORECASE,
)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    problems = []
    for key, texts in MESSAGES.items():
        if len(texts) != 2 or not all(isinstance(x, str) and x.strip() for x in texts):
            problems.append(f"{key}: needs a Vietnamese and an English text, neither empty")
        elif placeholders(texts[0]) != placeholders(texts[1]):
            problems.append(f"{key}: {sorted(placeholders(texts[0]))} vs {sorted(placeholders(texts[1]))}")
    assert problems == []


def test_the_tracker_pattern_finds_what_it_is_for() -> None:
    for text in ("(web/, issue 7)", "see issue #12", "Ticket", "vấn đề số 12", "as in #12."):
        assert TRACKER.search(text), text
    for text in ("cchc token issue", "issued", "PKCS#12", "coordinator:{unit} #{id}", "color: #1a1a1a", "vấn đề"):
        assert not TRACKER.search(text), text


def cli_texts() -> list[tuple[str, str]]:
    """Every help text of the `cchc` command: groups, commands and options."""
    out: list[tuple[str, str]] = []

    def walk(command, path: str) -> None:  # type: ignore[no-untyped-def]
        out.extend((path, text) for text in (command.help, command.short_help) if text)
        out.extend((f"{path} {p.name}", p.help) for p in command.params if getattr(p, "help", None))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "cchc")
    return out


def template_texts() -> list[tuple[str, str]]:
    """The templates' text, without their style attributes and blocks (colours are written #555)."""
    out = []
    for folder in TEMPLATES:
        for path in sorted((REPO / folder).rglob("*.html")):
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"<style\b.*?</style>|\sstyle=\"[^\"]*\"", " ", text, flags=re.S | re.I)
            out.append((str(path.relative_to(REPO)), text))
    return out


def test_no_user_facing_text_speaks_of_issues_or_tickets() -> None:
    texts = [(key, text) for key, pair in MESSAGES.items() for text in pair] + cli_texts() + template_texts()
    assert len(texts) > 1000 and any(where.startswith("web/templates") for where, _ in texts)
    found = [(where, m[0]) for where, text in texts if (m := TRACKER.search(text))]
    assert found == []
