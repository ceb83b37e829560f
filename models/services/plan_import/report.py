"""Writing the draft (and the suggested directory entries) beside each other, checking the draft as
`cchc plan check` does, and the report a person reads."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cchc_flow.models.rules.findings import Finding, InputError
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.plan import Directory, read_plan
from cchc_flow.models.services.plan_import.draft import Draft


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]  # libyaml where present
    """Block style, the document's line breaks kept (``|-``), Vietnamese written as is, every value written out
    (no anchors or aliases: the plan reader refuses them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any, header: str) -> str:
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)
    return "".join(f"# {line}\n" for line in header.split("\n")) + body


def write_atomically(path: Path, text: str) -> None:
    """The whole file or nothing: written beside it, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def units_path_for(draft_path: Path) -> Path:
    """DRAFT.yaml → DRAFT.units.yaml."""
    return draft_path.with_name(draft_path.name.removesuffix(".yaml").removesuffix(".yml") + ".units.yaml")


@dataclass
class Checked:
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        return not self.errors


def write_draft(draft: Draft, path: Path, directory: Directory, source_name: str, sha: str, units_file: str) -> Checked:
    """Write the draft (and, when names are unknown, DRAFT.units.yaml) and check the draft."""
    write_atomically(path, dump(draft.spec, t("imp.draft_header", name=source_name, sha=sha)))
    if draft.suggestions:
        write_atomically(
            units_path_for(path),
            dump({"units": draft.suggestions}, t("imp.units_header", name=source_name, units=units_file)),
        )
    try:
        _, warnings = read_plan(path, directory)
        return Checked(warnings=warnings)
    except InputError as exc:
        return Checked(errors=exc.errors, warnings=[f for f in exc.findings if f.level == "warning"])


def report_lines(
    draft: Draft, checked: Checked, source_kind: str, source_name: str, sha: str, draft_path: Path, units_file: str
) -> list[str]:
    """The report: what was read, the plan's identity, assumptions, warnings, what needs a person, the check."""
    spec, info = draft.spec, draft.spec["plan"]
    contents = sum(len(p["content"]) for p in spec["phases"])
    units = {n for a in draft.activities for n in (*a["lead"], *a["partners"])}
    out = [
        t(
            "imp.read",
            name=source_name,
            kind=source_kind,
            sha=sha[:16],
            tables=draft.tables,
            phases=len(spec["phases"]),
            contents=contents,
            activities=len(draft.activities),
            units=len(units),
        ),
        t(
            "imp.identity",
            number=info["number"] or "?",
            signed=info["signed"] or "?",
            title=info["title"] or "?",
            issuer=info["issuer"] or "?",
            code=info["code"] or "?",
        ),
    ]
    out += [f"  • plan.{key}: “{line}”" for key, line in draft.identity.found_in.items()]
    reviews = [f"{p['review']['activity']} ({p['review']['kind']})" for p in spec["phases"] if p.get("review")]
    if reviews:
        out.append(t("imp.reviews", reviews=", ".join(reviews)))
    for kind, title in (("assumption", "imp.assumptions"), ("warning", "imp.warnings"), ("person", "imp.person")):
        notes = [n for n in draft.notes if n.kind == kind]
        if notes:
            out.append(f"{t(title)}:")
            out += [f"  • {n.where}: {n.text}" for n in notes]
    if draft.unresolved:
        out.append(t("imp.unresolved", units=units_file, file=units_path_for(draft_path)) + ":")
        for s in draft.suggestions:
            written = s.get("name") or (s["aliases"] or [s["code"]])[0]
            out.append(f"  • “{written}” → {s['code']} ({s['kind']}): {'; '.join(draft.unresolved[written])}")
    out.append(f"{t('imp.check')}:")
    out += [f"  • {t('errors')}: {f}" for f in checked.errors]
    out += [f"  • {t('warnings')}: {f}" for f in checked.warnings]
    out.append(t("imp.written", path=draft_path))
    person = len(checked.errors) + len([n for n in draft.notes if n.kind == "person"])
    out.append(t("imp.ok", path=draft_path) if checked.passes else t("imp.needs_person", count=person))
    return out
