"""Units merged or renamed (pure): the code an old code stands for today."""

from __future__ import annotations

from collections.abc import Mapping


def current_code(code: str, successors: Mapping[str, str]) -> str:
    """Follow ``successors`` (old code -> the code it was merged into or renamed to) from ``code`` to the end; the
    directory is checked free of cycles (read_directory), and a cycle stops where it would repeat."""
    seen = {code}
    while code in successors and successors[code] not in seen:
        code = successors[code]
        seen.add(code)
    return code
