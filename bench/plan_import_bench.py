"""Plan import at 10,000 appendix rows: time and peak memory of `cchc plan import` per format (text, Word, PDF),
each in its own process. Run by hand, not a test: `.venv/bin/python bench/plan_import_bench.py [--rows N]`."""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAD = ["TT", "Nội dung", "Hoạt động", "Thời gian", "Kinh phí", "Đơn vị chủ trì", "Đơn vị phối hợp"]


def row(i: int) -> list[str]:
    content = f"{i // 20 + 1}. Nội dung số {i // 20 + 1}" if i % 20 == 0 else ""
    return [
        str(i + 1),
        content,
        f"- Hoạt động số {i + 1}: hội nghị, tập huấn\n- viết bài tuyên truyền",
        "Quý II/2022",
        "Kinh phí thường xuyên",
        "- VPB,\n\n- T5G",
        "Vụ TCCB, TTKT\n- Các đơn vị có liên quan",
    ]


def make_text(path: Path, n: int) -> None:
    lines = ["KẾ HOẠCH", "Truyền thông năm 2022", "Số: 1/KH-BYT", "ngày 03 tháng 01 năm 2022"]
    for cells in [HEAD] + [row(i) for i in range(n)]:
        lines += [f"\t{c}" for c in cells] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")


def make_docx(path: Path, n: int) -> None:
    from docx import Document

    doc = Document()
    for p in ("KẾ HOẠCH", "Truyền thông năm 2022", "Số: 1/KH-BYT", "ngày 03 tháng 01 năm 2022"):
        doc.add_paragraph(p)
    table = doc.add_table(rows=1, cols=len(HEAD))
    for cell, text in zip(table.rows[0].cells, HEAD, strict=True):
        cell.text = text
    for i in range(n):
        for cell, text in zip(table.add_row().cells, row(i), strict=True):
            cell.text = text
    doc.save(str(path))


def measure(path: Path, out: Path) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of one import in a child process."""
    code = (
        "import resource,sys;from cchc_flow.cli.main import app;"
        "sys.argv=['cchc','plan','import',sys.argv[1],'--output',sys.argv[2]];"
        "\ntry: app()\nexcept SystemExit as e: rc=e.code\n"
        "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, rc, file=sys.stderr)"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "CCHC_HOME": str(out.parent), "PATH": "/usr/bin:/bin"},
    )
    took = time.perf_counter() - start
    peak = next(line for line in done.stderr.splitlines() if line.startswith("PEAK")).split()
    return took, int(peak[1]) / 1024, int(peak[2])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cchc-import-bench-") as tmp:
        folder = Path(tmp)
        for kind, make in (("txt", make_text), ("docx", make_docx)):
            doc = folder / f"plan.{kind}"
            make(doc, args.rows)
            took, peak, rc = measure(doc, folder / f"{kind}.draft.yaml")
            print(
                f"{kind:5} {args.rows} rows, {doc.stat().st_size / 2**20:.1f} MB: {took:.1f} s, peak {peak:.0f} MB"
                f" (exit {rc}; includes starting Python and checking the draft)"
            )
    print("machine:", resource.getpagesize(), "B pages;", sys.version.split()[0])


if __name__ == "__main__":
    main()
