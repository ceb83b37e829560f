"""Plans from their documents: a decision's appendix (.docx, .pdf, .txt/.md, .doc) read into a plan draft in the
schema `cchc plan check/load` read. Nothing here touches the database.

files (open and refuse) → docx_reader / pdf_reader / text_reader (rows) → headings (the table) → times, units,
identity (the cells and the text around) → draft (the plan data) → report (written, checked, told).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cchc_flow.models.rules.plan import Directory
from cchc_flow.models.services.plan_import import words  # noqa: F401  (the importer's messages)
from cchc_flow.models.services.plan_import.draft import Draft, build_draft
from cchc_flow.models.services.plan_import.files import read_document
from cchc_flow.models.services.plan_import.report import Checked, report_lines, write_draft
from cchc_flow.models.services.plan_import.source import ImportRefused

__all__ = ["Draft", "ImportRefused", "Imported", "import_document", "read_document", "build_draft"]


@dataclass
class Imported:
    draft: Draft
    checked: Checked
    report: list[str]
    sha256: str
    name: str

    @property
    def exit_code(self) -> int:
        return 0 if self.checked.passes else 1


def import_document(
    path: Path, directory: Directory, output: Path, units_file: str, code: str | None = None, name: str | None = None
) -> Imported:
    """Read ``path``, write the draft to ``output`` (and the suggested units beside it), check it and report.
    Raises ImportRefused (nothing written) when the file cannot be read."""
    source = read_document(path, name)
    draft = build_draft(source, directory, code)
    checked = write_draft(draft, output, directory, source.name, source.sha256, units_file)
    lines = report_lines(draft, checked, source.kind, source.name, source.sha256, output, units_file)
    return Imported(draft, checked, lines, source.sha256, source.name)
