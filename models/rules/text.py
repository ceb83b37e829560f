"""Text people type, taken in and shown back safely: control characters refused on input, made visible on output.

A control character (C0, DEL, C1: ESC starts terminal escape sequences) in a note could recolour or rewrite a
terminal that prints the history. New input may carry newlines and tabs only; what is already stored is shown
with each other control character written as a visible escape (\\x1b), never sent raw.
"""

from __future__ import annotations

import re

from cchc_flow.models.rules.messages import t

ALLOWED = "\n\t"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_OR_CR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ControlCharacters(ValueError):
    """Text given with control characters; the message names the field and the first one."""


def check_text(value: str | None, field: str) -> str | None:
    """``value`` unchanged when it has no control character but newlines and tabs; ControlCharacters otherwise.

    A Windows line end (CR LF) is read as a newline.
    """
    if value is None:
        return None
    value = value.replace("\r\n", "\n")
    found = _CONTROL.search(value)
    if found:
        raise ControlCharacters(t("text.control", field=field, char=_visible(found.group()), pos=found.start() + 1))
    return value


def printable(value: str | None) -> str:
    """Stored text made safe for a terminal: control characters (but newlines, tabs, CR) written as escapes."""
    if not value:
        return value or ""
    return _CONTROL_OR_CR.sub(lambda m: _visible(m.group()), value)


def _visible(char: str) -> str:
    return f"\\x{ord(char):02x}"
