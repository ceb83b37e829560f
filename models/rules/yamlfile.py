"""Read YAML safely: bounded size, UTF-8 only, no tags, anchors or duplicate keys, lines kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from cchc_flow.models.rules.findings import Finding, InputError, display_path
from cchc_flow.models.rules.messages import t

MAX_BYTES = 2_000_000
_CORE_TAGS = {f"tag:yaml.org,2002:{n}" for n in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")}

Loc = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """Parsed data plus the line where each path (mapping keys / list indexes) starts."""

    path: Path
    data: dict[str, Any]
    lines: dict[Loc, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return display_path(self.path)

    def line_of(self, loc: Loc) -> int | None:
        """The line of ``loc`` or of its nearest enclosing path that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return None

    def finding(self, level: str, loc: Loc, message: str) -> Finding:
        return Finding(level, self.name, self.line_of(loc), format_loc(loc), message)  # type: ignore[arg-type]


def format_loc(loc: Loc) -> str:
    """("phases", 0, "content") -> "phases[0].content"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Refused(Exception):
    def __init__(self, mark: yaml.Mark | None, message: str):
        self.mark, self.message = mark, message


class _Checked:
    """What cchc adds to a YAML loader: anchors and aliases refused (no alias bombs), dates left as text.

    Dates stay strings so that cchc's own date reader (ISO or DD/MM/YYYY) checks them and explains itself.
    """

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(event.start_mark, t("yaml.alias"))
        return super().compose_node(parent, index)  # type: ignore[misc]


class _Loader(_Checked, yaml.SafeLoader):
    """PyYAML's own loader, in Python: its words name what is wrong with a document."""


_FastLoader: type[_Checked] | None = None
if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class _LibyamlLoader(_Checked, Composer, CParser, SafeConstructor, Resolver):
        """The same reading from libyaml's events (about 6× quicker), composed and checked as above."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _FastLoader = _LibyamlLoader


def _parse(text: str) -> tuple[yaml.Node | None, dict[Loc, int], Any]:
    """The document's root node, the line of each path, and its data: read with libyaml when PyYAML has it; a
    document libyaml refuses is read again by PyYAML's own loader, whose error (the same words with or without
    libyaml) is the one raised."""
    if _FastLoader is not None:
        try:
            return _read(_FastLoader, text)
        except yaml.YAMLError:
            pass
    return _read(_Loader, text)


def _read(loader_class: Any, text: str) -> tuple[yaml.Node | None, dict[Loc, int], Any]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        lines: dict[Loc, int] = {}
        if node is None:
            return None, lines, None
        _walk(node, (), lines)
        return node, lines, loader.construct_document(node)
    finally:
        loader.dispose()


def read_yaml(path: Path, max_bytes: int = MAX_BYTES) -> YamlDocument:
    """Parse ``path`` or raise InputError naming the file, the line and the fix."""
    name = display_path(path)

    def fail(line: int | None, message: str) -> InputError:
        return InputError([Finding("error", name, line, "", message)])

    if not path.exists():
        raise fail(None, t("yaml.not_found"))
    if not path.is_file():
        raise fail(None, t("yaml.not_file"))
    if path.stat().st_size > max_bytes:
        raise fail(None, t("yaml.too_big", limit=max_bytes))
    raw = path.read_bytes()[: max_bytes + 1]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(raw[: exc.start].count(b"\n") + 1, t("yaml.encoding", pos=exc.start)) from None
    try:
        node, lines, data = _parse(text)
        if node is None:
            raise fail(None, t("yaml.empty"))
    except _Refused as exc:
        raise fail(exc.mark.line + 1 if exc.mark else None, exc.message) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise fail(mark.line + 1 if mark else None, t("yaml.syntax", problem=problem)) from None
    except yaml.YAMLError as exc:
        raise fail(None, t("yaml.syntax", problem=str(exc))) from None
    if not isinstance(data, dict):
        raise fail(node.start_mark.line + 1, t("yaml.root"))
    return YamlDocument(path=path, data=data, lines=lines)


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    if node.tag not in _CORE_TAGS:
        raise _Refused(node.start_mark, t("yaml.tag", tag=node.tag))
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key, value in node.value:
            _walk(key, loc, lines)
            k = key.value
            if k in seen:
                raise _Refused(key.start_mark, t("schema.duplicate_id", id=k, first=seen[k]))
            seen[k] = key.start_mark.line + 1
            lines[loc + (k,)] = key.start_mark.line + 1
            _walk(value, loc + (k,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[loc + (i,)] = item.start_mark.line + 1
            _walk(item, loc + (i,), lines)
