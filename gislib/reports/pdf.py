"""gislib.reports.pdf: THE base of every PDF Hetu writes with fpdf2 (the 一口一档 file, the monthly bulletin,
the 名录): A4, the bundled CJK font (gislib.reports.fonts), margins, a grey footer "… 第 n 页", the red 示例数据 mark,
a centred title block, section headings and tables (repeated heading rows, optional coloured cells)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from gislib.reports import fonts
from gislib.domain import DEMO_MARK

HEAD_FILL = (230, 236, 244)
GREY = (110, 110, 110)
CellStyle = Callable[[int, str], "FontFace | None"]  # (column, text) -> a style for that cell, or None


class HetuPDF(FPDF):
    """An A4 document with the shared fonts, footer and helpers; ``footer_text`` precedes "第 n 页"."""

    def __init__(self, footer_text: str, *, orientation: str = "P", margins: tuple[float, float, float] = (14, 14, 14),
                 bottom: float = 16, title: str | None = None):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.family = fonts.add_to_fpdf(self)
        self.footer_text = footer_text
        self.set_auto_page_break(True, margin=bottom)
        self.set_margins(*margins)
        self.set_creator("Hetu 河图")
        if title:
            self.set_title(title)

    def footer(self) -> None:  # noqa: D102 - fpdf2 hook
        self.set_y(-12)
        self.set_font(self.family, "", 7.5)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.footer_text}第 {self.page_no()} 页", align="C")
        self.set_text_color(0, 0, 0)

    def line_of_text(self, text: str, size: float = 9, height: float = 6, *, bold: bool = False,
                     color: tuple[int, int, int] = (0, 0, 0), align: str = "L", fill: bool = False) -> None:
        """One line of text across the page, then the next line."""
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*color)
        self.cell(0, height, text, align=align, fill=fill, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)

    def demo_mark(self) -> None:
        """【示例数据】 in red at the top right: the document shows generated demo records."""
        self.line_of_text(f"【{DEMO_MARK}】", 10, bold=True, color=(200, 30, 30), align="R")

    def title_block(self, title: str, subtitle: str = "", size: float = 16, subtitle_size: float = 9) -> None:
        """The centred title (wrapped when long) and a grey line under it."""
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.56, title, align="C", new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            self.line_of_text(subtitle, subtitle_size, color=(90, 90, 90), align="C")

    def heading(self, text: str, size: float = 12.5, *, room: float = 40, fill: tuple[int, int, int] | None = None,
                body_size: float = 10) -> None:
        """A section heading, on a new page when less than ``room`` mm are left; the body font after it."""
        if self.get_y() > self.h - room:
            self.add_page()
        self.ln(3 if fill is None else 2)
        if fill:
            self.set_fill_color(*fill)
        self.line_of_text(text, size, height=size * 0.64, bold=True, fill=fill is not None)
        if fill:
            self.ln(1)
        self.set_font(self.family, "", body_size)

    def data_table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float], *,
              size: float = 8.5, line_height: float = 5.2, align: str = "CENTER", head_fill=HEAD_FILL,
              cell_style: CellStyle | None = None, empty: str | None = "（无）", borders: str | None = None) -> None:
        """A table with bold shaded headings repeated on every page; ``cell_style`` colours cells;
        ``empty`` is written under the headings when there are no rows (None: nothing)."""
        self.set_font(self.family, "", size)
        layout = borders or ("SINGLE_TOP_LINE" if not rows and empty is not None else "ALL")
        with self._table(widths, line_height, align, head_fill, layout, bool(headers)) as table:
            if headers:
                table.row([str(h) for h in headers])
            for row in rows:
                r = table.row()
                for i, value in enumerate(row):
                    text = "" if value is None else str(value)
                    style = cell_style(i, text) if cell_style else None
                    r.cell(text, style=style) if style else r.cell(text)
        if not rows and empty is not None:
            self.line_of_text(empty, 9.5, height=7)

    def _table(self, widths, line_height, align, head_fill, layout, has_headings: bool):
        return super().table(col_widths=tuple(widths), line_height=line_height, text_align=align,
                             headings_style=FontFace(emphasis="BOLD", fill_color=head_fill),
                             borders_layout=layout, repeat_headings=1, first_row_as_headings=has_headings)


def filled(color_hex: str) -> FontFace:
    """A cell style filled with ``color_hex`` and readable text on it."""
    from gislib.reports.colors import hex_to_rgb, text_color_on

    return FontFace(fill_color=hex_to_rgb(color_hex), color=text_color_on(color_hex))
