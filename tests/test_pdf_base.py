"""One PDF base (issue 14.3): every fpdf2 document Hetu writes is a gislib.reports.pdf.HetuPDF."""
from __future__ import annotations

import ast
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_only_the_base_subclasses_fpdf():
    """Three FPDF subclasses had their own fonts, headings, tables and footers; now there is one."""
    subclasses = []
    for path in (REPO / "gislib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", getattr(b, "attr", "")) == "FPDF"
                                                      for b in node.bases):
                subclasses.append(f"{path.relative_to(REPO).as_posix()}:{node.name}")
    assert subclasses == ["gislib/reports/pdf.py:HetuPDF"]


def test_a_long_table_repeats_its_headings_and_every_page_is_numbered(tmp_path):
    from gislib.reports.pdf import HetuPDF, filled

    pdf = HetuPDF("示例数据 · 测试    ")
    pdf.add_page()
    pdf.title_block("桃浦河断面月报", "生成日期 2026-11-30")
    pdf.heading("一、各断面")
    rows = [[f"PTDM{i:03d}", "桃浦河", "Ⅲ类" if i % 2 else "劣Ⅴ类"] for i in range(90)]
    pdf.data_table(["编码", "河道", "类别"], rows, (30, 40, 30),
                   cell_style=lambda col, text: filled("#d62728") if text == "劣Ⅴ类" else None)
    pdf.heading("二、空表")
    pdf.data_table(["编码"], [], (30,))
    out = tmp_path / "t.pdf"
    pdf.output(str(out))
    pages = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert f"第 {n} 页" in page and "编码" in page  # footer on every page, headings repeated
    assert "PTDM089" in pages[-1] and "（无）" in pages[-1]
