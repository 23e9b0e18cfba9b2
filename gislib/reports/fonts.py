"""gislib.reports.fonts: the bundled CJK font (Noto Sans CJK SC, SIL OFL 1.1, cut to GB 2312).

Every PDF and PNG Hetu writes uses it, so Chinese never renders as tofu boxes, on any machine.
Rebuild with ``python scripts/make_font_subset.py``; licence in ``assets/fonts/``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from gislib.dataset import REPO_ROOT

FONT_DIR = REPO_ROOT / "assets" / "fonts"
REGULAR = FONT_DIR / "NotoSansSC-Hetu-Regular.otf"
BOLD = FONT_DIR / "NotoSansSC-Hetu-Bold.otf"
FAMILY = "Noto Sans CJK SC"


@lru_cache(maxsize=1)
def use_in_matplotlib() -> str:
    """Register the font with matplotlib and make it the default family; returns the family name."""
    from matplotlib import font_manager, rcParams

    for path in (REGULAR, BOLD):
        font_manager.fontManager.addfont(str(path))
    rcParams["font.family"] = FAMILY
    rcParams["axes.unicode_minus"] = False
    return FAMILY


def add_to_fpdf(pdf, family: str = "hetu") -> str:
    """Add regular and bold faces to an fpdf2 document; returns the family name to set.

    Characters outside the GB 2312 subset (user text can hold rare characters and symbols) fall
    back to matplotlib's DejaVu Sans, which is always installed with matplotlib.
    """
    pdf.add_font(family, "", str(REGULAR))
    pdf.add_font(family, "B", str(BOLD))
    import matplotlib

    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    if (dejavu / "DejaVuSans.ttf").exists():
        pdf.add_font("hetu-fallback", "", str(dejavu / "DejaVuSans.ttf"))
        pdf.add_font("hetu-fallback", "B", str(dejavu / "DejaVuSans-Bold.ttf"))
        pdf.set_fallback_fonts(["hetu-fallback"], exact_match=False)
    return family


def path(bold: bool = False) -> Path:
    """The font file (for other libraries, e.g. python-docx cannot embed, ReportLab can)."""
    return BOLD if bold else REGULAR
