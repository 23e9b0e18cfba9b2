"""Rebuild assets/fonts/NotoSansSC-Hetu.otf: Noto Sans CJK SC (OFL 1.1) cut to the GB 2312 set.

Needs Debian's fonts-noto-cjk. The subset keeps every GB 2312 character (6,763 hanzi plus
symbols), Latin, digits and the signs Hetu prints (Ⅰ–Ⅴ, ≤ ≥ ° µ ² ³ ′ ″ × → · ①…). Run:
    python scripts/make_font_subset.py
"""
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gislib.reports.fonts import gb2312_chars  # noqa: E402 - the repository root is put on the path first

SOURCE = "/usr/share/fonts/opentype/noto/{name}"
OUT = Path(__file__).resolve().parent.parent / "assets" / "fonts"


def main() -> None:
    text = gb2312_chars() | {chr(c) for c in range(0x20, 0x7F)} | set("©®™ⅠⅡⅢⅣⅤⅥ≤≥°µμ²³′″×→←↑↓·①②③④⑤⑥⑦⑧⑨⑩—–…‰±÷√∑∆≈≠∞·、。，；：？！“”‘’（）【】《》〈〉「」『』￥％＋－＝＜＞／＼～")
    for src, dst in (("NotoSansCJK-Regular.ttc", "NotoSansSC-Hetu-Regular.otf"),
                     ("NotoSansCJK-Bold.ttc", "NotoSansSC-Hetu-Bold.otf")):
        font = TTCollection(SOURCE.format(name=src)).fonts[2]  # index 2 = Noto Sans CJK SC
        options = subset.Options()
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.layout_features = ["*"]
        sub = subset.Subsetter(options)
        sub.populate(text="".join(sorted(text)))
        sub.subset(font)
        OUT.mkdir(parents=True, exist_ok=True)
        font.save(OUT / dst)
        print(dst, (OUT / dst).stat().st_size)


if __name__ == "__main__":
    main()
