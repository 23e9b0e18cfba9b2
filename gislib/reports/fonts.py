"""gislib.reports.fonts: the bundled CJK font (Noto Sans CJK SC, SIL OFL 1.1, cut to GB 2312).

Every PDF and PNG Hetu writes uses it, so Chinese never renders as tofu boxes, on any machine.
Rebuild with ``python scripts/make_font_subset.py``; licence in ``assets/fonts/``.
"""
from __future__ import annotations

import os
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


# --- the web font: the same faces cut for the browser (WOFF2), a fallback after the system's CJK fonts ----------
# The pages declare it for these code points only (.streamlit/config.toml [[theme.fontFaces]] unicodeRange and
# static/css/hetu-map.css): Latin text never comes from it, so the web cut keeps only characters in these ranges.
WEB_UNICODE_RANGES = ((0x2150, 0x218F), (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x2E80, 0x2FFF), (0x3000, 0x33FF),
                      (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))
# One face: bold Chinese text (headings) is drawn by the browser from it (font-synthesis), which halves what a
# browser without a CJK font downloads (each face is about 0.6 MB); the PDFs keep both faces.
WEB_FACES = {"NotoSansSC-Hetu-Regular.woff2": REGULAR}
# where the texts a page can show come from: every message, enumeration, preset and generated demo name is
# written in these (catalog, presets, demo generators), every place and river name in data/raw (OpenStreetMap)
_TEXT_SOURCES = ("gislib", "layers", "views", "cli", "app.py", "static/js")


def in_web_range(ch: str) -> bool:
    c = ord(ch)
    return any(lo <= c <= hi for lo, hi in WEB_UNICODE_RANGES)


def gb2312_chars(rows: range = range(0xA1, 0xF8)) -> set[str]:
    """The GB 2312 characters whose first byte is in ``rows`` (all of them by default: symbols and both
    levels of hanzi; ``scripts/make_font_subset.py`` cuts the PDF fonts to them)."""
    chars = set()
    for hi in rows:
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def gb2312_level1() -> set[str]:
    """The 3,755 most common hanzi (GB 2312 level 1, rows 16–55): what typed names almost always use."""
    return gb2312_chars(range(0xB0, 0xD8))


def _source_chars(root: Path) -> set[str]:
    chars: set[str] = set()
    for name in _TEXT_SOURCES:
        base = root / name
        files = [base] if base.is_file() else [p for p in base.rglob("*") if p.suffix in (".py", ".json", ".js")]
        for path in files:
            chars.update(path.read_text(encoding="utf-8", errors="ignore"))
    return chars


def _raw_name_chars(root: Path) -> set[str]:
    """Characters of the text columns of the OpenStreetMap / geoBoundaries sources (rivers, places, districts):
    the demo data sets name their rivers, sections and sites from them."""
    import pyogrio

    chars: set[str] = set()
    for path in sorted((root / "data" / "raw").rglob("*.shp")):
        frame = pyogrio.read_dataframe(path, read_geometry=False)
        for column in frame.columns:
            if frame[column].dtype == object or str(frame[column].dtype).startswith("str"):
                for value in frame[column].dropna().unique():
                    chars.update(str(value))
    return chars


def web_font_text(root: Path = REPO_ROOT) -> str:
    """Every character the web font carries, sorted: GB 2312 level-1 hanzi (typed user names), every
    character of the app's own texts (message catalog, enumerations, presets, demo generators) and of the
    demo data's names, the CJK punctuation and full-width forms; only those in :data:`WEB_UNICODE_RANGES`."""
    chars = gb2312_level1() | _source_chars(root) | _raw_name_chars(root)
    chars |= {chr(c) for c in (*range(0x3000, 0x3040), *range(0xFF01, 0xFF5F))}
    return "".join(sorted(c for c in chars if in_web_range(c)))


def build_web_font(source: Path, out: Path, text: str) -> Path:
    """Cut ``source`` to ``text`` as WOFF2 (brotli) for browsers: no hinting (CFF hints mean little to
    browsers' rasterizers) and no OpenType layout features (vertical forms, proportional widths: unused by
    horizontal Chinese text; they were half the file). Written beside and renamed: never half a file."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]  # the OFL's copyright and licence names stay in the file
    options.notdef_outline = True
    font = TTFont(str(source))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    font.flavor = "woff2"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    font.save(str(tmp))
    tmp.replace(out)
    return out


def web_fonts_key(text: str) -> str:
    """Changes when the web fonts must be rebuilt: the characters, the source faces, the subsetter."""
    import hashlib

    import fontTools

    parts = [text, fontTools.version, *(f"{p.name}:{p.stat().st_size}" for p in WEB_FACES.values())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
