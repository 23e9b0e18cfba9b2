"""gislib.soil.gb36600: soil sample results against GB 36600-2018 screening (筛选值) and intervention (管制值) values.

The values are data (``GB36600``), transcribed from the official MEE PDF (docs/domain.md §4.3:
``lensis22414017/SRS`` → ``data/standards/gb36600_2018_official.csv``, double-read). The 14 rows
of the §4.3 table are included, plus the remaining items of Tables 1 and 2. All values in mg/kg.

Verdicts (per sample and pollutant), with "above" meaning STRICTLY greater:

- ``below_screening``: value ≤ 筛选值 (a value equal to the screening value is below);
- ``above_screening``: 筛选值 < value ≤ 管制值 (detailed survey and risk assessment needed);
- ``above_intervention``: value > 管制值;
- ``above_screening_within_background``: 超筛选值但不高于背景值 — 砷, 钴 or 钒 above the screening
  value but not above the plot's soil background value: by GB 36600-2018 表1/表2 注① such a plot is
  not managed as a contaminated plot. Every such verdict carries ``footnote`` (the note's text);
  backgrounds come from a 背景值 column, ``backgrounds`` / ``--background 砷=50``, or a verified
  regional preset in ``gislib/presets/soil_background.json`` (none is verified yet);
- ``error``: the cell or column could not be judged; ``error`` says why and what to do.

Units (``gislib.units``): a header unit ("苯(µg/kg)", "砷(毫克/千克)") is converted to mg/kg; a unit
of another quantity or an unknown one is refused naming the column. Columns without a unit whose
values exceed 10 × the class-2 管制值 are reported by :func:`magnitude_warnings` (they look like
µg/kg); the CLI then exits 2 unless ``--assume-units`` or ``--units COL=UNIT``.

Not-detected results ("ND", "未检出", "<0.01", "0.01L") are ``below_screening`` with ``value`` None,
unless the detection limit itself is above the screening value (then an error: re-test needed).

CLI: ``python -m gislib soil-check FILE --land-class 1|2 [--background 砷=50] [--json]``.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from gislib.domain import LAND_USE_CLASSES
from gislib.errors import DataError, NotFoundError, Phrase, ValidationError
from gislib import units as unitmod

STANDARD = "GB 36600-2018"
WITHIN_BACKGROUND = "above_screening_within_background"
VERDICTS = ("below_screening", "above_screening", "above_intervention", WITHIN_BACKGROUND)
ERROR_VERDICT = "error"
VERDICT_ZH = {
    "below_screening": "不超筛选值",
    "above_screening": "超筛选值",
    "above_intervention": "超管制值",
    WITHIN_BACKGROUND: "超筛选值但不高于背景值",
    ERROR_VERDICT: "无法判定",
}
VERDICT_EN = {
    "below_screening": "Not above screening",
    "above_screening": "Above screening",
    "above_intervention": "Above intervention",
    WITHIN_BACKGROUND: "Above screening, not above background",
    ERROR_VERDICT: "Cannot judge",
}
BACKGROUND_PRESETS_PATH = Path(__file__).parents[1] / "presets" / "soil_background.json"


def _background_presets() -> dict[str, Any]:
    try:
        return json.loads(BACKGROUND_PRESETS_PATH.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError("error.soil_presets_unreadable", path=BACKGROUND_PRESETS_PATH, detail=exc) from exc


_BG = _background_presets()
BACKGROUND_ITEMS: tuple[str, ...] = tuple(_BG["items"])  # the items footnote ① applies to: 砷, 钴, 钒
FOOTNOTE = _BG["footnote"]
FOOTNOTE_EN = _BG["footnote_en"]
VERDICT_EXPLAIN = {
    WITHIN_BACKGROUND: ("测定值高于筛选值，但不高于该地块的土壤环境背景值：按 GB 36600-2018 注①，"
                        "不纳入污染地块管理（高出的部分来自自然背景，不是污染）。" + FOOTNOTE),
}
VERDICT_EXPLAIN_EN = {
    WITHIN_BACKGROUND: ("The value is above the screening value but not above the plot's soil background: by "
                        "GB 36600-2018 note ① the plot is not managed as contaminated. " + FOOTNOTE_EN),
}


def background_region(region: str) -> dict[str, Any]:
    """A regional background preset by id (``national``, ``shanghai``); NotFoundError otherwise."""
    for entry in _BG["regions"]:
        if entry["id"] == region:
            return entry
    raise NotFoundError("error.soil_region", region=region, choices=[e["id"] for e in _BG["regions"]])


def preset_backgrounds(region: str | None) -> dict[str, float]:
    """The VERIFIED background values of a region (mg/kg by item); unverified figures are never used."""
    if not region:
        return {}
    entry = background_region(region)
    if not entry.get("verified"):
        return {}
    return {k: float(v) for k, v in entry["values"].items() if v is not None}


@dataclass(frozen=True)
class SoilLimit:
    """One GB 36600-2018 item: screening and intervention values (mg/kg) for land class 1 and 2."""

    name: str
    cas: str
    table: str  # "表1" (basic items) or "表2" (other items)
    screening: tuple[float, float]  # (第一类用地, 第二类用地)
    intervention: tuple[float, float]
    footnote: str = ""

    def screening_for(self, land_class: int) -> float:
        """筛选值 for land class 1 or 2."""
        return self.screening[_check_land_class(land_class) - 1]

    def intervention_for(self, land_class: int) -> float:
        """管制值 for land class 1 or 2."""
        return self.intervention[_check_land_class(land_class) - 1]


# (table, name, CAS, screening class 1, screening class 2, intervention class 1, intervention class 2, footnote)
_GB36600_ROWS: tuple[tuple[str, str, str, float, float, float, float, str], ...] = (
    # 表1 basic items: heavy metals and inorganics
    ("表1", "砷", "7440-38-2", 20, 60, 120, 140, "①"),
    ("表1", "镉", "7440-43-9", 20, 65, 47, 172, ""),
    ("表1", "铬(六价)", "18540-29-9", 3.0, 5.7, 30, 78, ""),
    ("表1", "铜", "7440-50-8", 2000, 18000, 8000, 36000, ""),
    ("表1", "铅", "7439-92-1", 400, 800, 800, 2500, ""),
    ("表1", "汞", "7439-97-6", 8, 38, 33, 82, ""),
    ("表1", "镍", "7440-02-0", 150, 900, 600, 2000, ""),
    # 表1 volatile organics
    ("表1", "四氯化碳", "56-23-5", 0.9, 2.8, 9, 36, ""),
    ("表1", "氯仿", "67-66-3", 0.3, 0.9, 5, 10, ""),
    ("表1", "氯甲烷", "74-87-3", 12, 37, 21, 120, ""),
    ("表1", "1,1-二氯乙烷", "75-34-3", 3, 9, 20, 100, ""),
    ("表1", "1,2-二氯乙烷", "107-06-2", 0.52, 5, 6, 21, ""),
    ("表1", "1,1-二氯乙烯", "75-35-4", 12, 66, 40, 200, ""),
    ("表1", "顺-1,2-二氯乙烯", "156-59-2", 66, 596, 200, 2000, ""),
    ("表1", "反-1,2-二氯乙烯", "156-60-5", 10, 54, 31, 163, ""),
    ("表1", "二氯甲烷", "75-09-2", 94, 616, 300, 2000, ""),
    ("表1", "1,2-二氯丙烷", "78-87-5", 1, 5, 5, 47, ""),
    ("表1", "1,1,1,2-四氯乙烷", "630-20-6", 2.6, 10, 26, 100, ""),
    ("表1", "1,1,2,2-四氯乙烷", "79-34-5", 1.6, 6.8, 14, 50, ""),
    ("表1", "四氯乙烯", "127-18-4", 11, 53, 34, 183, ""),
    ("表1", "1,1,1-三氯乙烷", "71-55-6", 701, 840, 840, 840, ""),
    ("表1", "1,1,2-三氯乙烷", "79-00-5", 0.6, 2.8, 5, 15, ""),
    ("表1", "三氯乙烯", "79-01-6", 0.7, 2.8, 7, 20, ""),
    ("表1", "1,2,3-三氯丙烷", "96-18-4", 0.05, 0.5, 0.5, 5, ""),
    ("表1", "氯乙烯", "75-01-4", 0.12, 0.43, 1.2, 4.3, ""),
    ("表1", "苯", "71-43-2", 1, 4, 10, 40, ""),
    ("表1", "氯苯", "108-90-7", 68, 270, 200, 1000, ""),
    ("表1", "1,2-二氯苯", "95-50-1", 560, 560, 560, 560, ""),
    ("表1", "1,4-二氯苯", "106-46-7", 5.6, 20, 56, 200, ""),
    ("表1", "乙苯", "100-41-4", 7.2, 28, 72, 280, ""),
    ("表1", "苯乙烯", "100-42-5", 1290, 1290, 1290, 1290, ""),
    ("表1", "甲苯", "108-88-3", 1200, 1200, 1200, 1200, ""),
    ("表1", "间二甲苯+对二甲苯", "108-38-3,106-42-3", 163, 570, 500, 570, ""),
    ("表1", "邻二甲苯", "95-47-6", 222, 640, 640, 640, ""),
    # 表1 semi-volatile organics
    ("表1", "硝基苯", "98-95-3", 34, 76, 190, 760, ""),
    ("表1", "苯胺", "62-53-3", 92, 260, 211, 663, ""),
    ("表1", "2-氯酚", "95-57-8", 250, 2256, 500, 4500, ""),
    ("表1", "苯并[a]蒽", "56-55-3", 5.5, 15, 55, 151, ""),
    ("表1", "苯并[a]芘", "50-32-8", 0.55, 1.5, 5.5, 15, ""),
    ("表1", "苯并[b]荧蒽", "205-99-2", 5.5, 15, 55, 151, ""),
    ("表1", "苯并[k]荧蒽", "207-08-9", 55, 151, 550, 1500, ""),
    ("表1", "䓛", "218-01-9", 490, 1293, 4900, 12900, ""),
    ("表1", "二苯并[a,h]蒽", "53-70-3", 0.55, 1.5, 5.5, 15, ""),
    ("表1", "茚并[1,2,3-cd]芘", "193-39-5", 5.5, 15, 55, 151, ""),
    ("表1", "萘", "91-20-3", 25, 70, 255, 700, ""),
    # 表2 other items
    ("表2", "锑", "7440-36-0", 20, 180, 40, 360, ""),
    ("表2", "铍", "7440-41-7", 15, 29, 98, 290, ""),
    ("表2", "钴", "7440-48-4", 20, 70, 190, 350, "①"),
    ("表2", "甲基汞", "22967-92-6", 5.0, 45, 10, 120, ""),
    ("表2", "钒", "7440-62-2", 165, 752, 330, 1500, "①"),
    ("表2", "氰化物", "57-12-5", 22, 135, 44, 270, ""),
    ("表2", "一溴二氯甲烷", "75-27-4", 0.29, 1.2, 2.9, 12, ""),
    ("表2", "溴仿", "75-25-2", 32, 103, 320, 1030, ""),
    ("表2", "二溴氯甲烷", "124-48-1", 9.3, 33, 93, 330, ""),
    ("表2", "1,2-二溴乙烷", "106-93-4", 0.07, 0.24, 0.7, 2.4, ""),
    ("表2", "六氯环戊二烯", "77-47-4", 1.1, 5.2, 2.3, 10, ""),
    ("表2", "2,4-二硝基甲苯", "121-14-2", 1.8, 5.2, 18, 52, ""),
    ("表2", "2,4-二氯酚", "120-83-2", 117, 843, 234, 1690, ""),
    ("表2", "2,4,6-三氯酚", "88-06-2", 39, 137, 78, 560, ""),
    ("表2", "2,4-二硝基酚", "51-28-5", 78, 562, 156, 1130, ""),
    ("表2", "五氯酚", "87-86-5", 1.1, 2.7, 12, 27, ""),
    ("表2", "邻苯二甲酸二(2-乙基己基)酯", "117-81-7", 42, 121, 420, 1210, ""),
    ("表2", "邻苯二甲酸丁基苄酯", "85-68-7", 312, 900, 3120, 9000, ""),
    ("表2", "邻苯二甲酸二正辛酯", "117-84-0", 390, 2812, 800, 5700, ""),
    ("表2", "3,3'-二氯联苯胺", "91-94-1", 1.3, 3.6, 13, 36, ""),
    ("表2", "阿特拉津", "1912-24-9", 2.6, 7.4, 26, 74, ""),
    ("表2", "氯丹", "12789-03-6", 2.0, 6.2, 20, 62, "b: α-氯丹+γ-氯丹"),
    ("表2", "p,p'-滴滴滴", "72-54-8", 2.5, 7.1, 25, 71, ""),
    ("表2", "p,p'-滴滴伊", "72-55-9", 2.0, 7.0, 20, 70, ""),
    ("表2", "滴滴涕", "50-29-3", 2.0, 6.7, 21, 67, "c: o,p'-滴滴涕+p,p'-滴滴涕"),
    ("表2", "敌敌畏", "62-73-7", 1.8, 5.0, 18, 50, ""),
    ("表2", "乐果", "60-51-5", 86, 619, 170, 1240, ""),
    ("表2", "硫丹", "115-29-7", 234, 1687, 470, 3400, "d: α-硫丹+β-硫丹"),
    ("表2", "七氯", "76-44-8", 0.13, 0.37, 1.3, 3.7, ""),
    ("表2", "α-六六六", "319-84-6", 0.09, 0.3, 0.9, 3.0, ""),
    ("表2", "β-六六六", "319-85-7", 0.32, 0.92, 3.2, 9.2, ""),
    ("表2", "γ-六六六", "58-89-9", 0.62, 1.9, 6.2, 19, ""),
    ("表2", "六氯苯", "118-74-1", 0.33, 1.0, 3.3, 10, ""),
    ("表2", "灭蚁灵", "2385-85-5", 0.03, 0.09, 0.3, 0.9, ""),
    ("表2", "多氯联苯(总量)", "", 0.14, 0.38, 1.4, 3.8, "e: 12种多氯联苯总和"),
    ("表2", "3,3',4,4',5-五氯联苯(PCB 126)", "57465-28-8", 4e-05, 1e-04, 4e-04, 1e-03, ""),
    ("表2", "3,3',4,4',5,5'-六氯联苯(PCB 169)", "32774-16-6", 1e-04, 4e-04, 1e-03, 4e-03, ""),
    ("表2", "二噁英类(总毒性当量)", "", 1e-05, 4e-05, 1e-04, 4e-04, ""),
    ("表2", "多溴联苯(总量)", "", 0.02, 0.06, 0.2, 0.6, ""),
    ("表2", "石油烃(C10-C40)", "", 826, 4500, 5000, 9000, ""),
)

GB36600: dict[str, SoilLimit] = {
    name: SoilLimit(name, cas, table, (float(s1), float(s2)), (float(c1), float(c2)),
                    FOOTNOTE if note == "①" else note)
    for table, name, cas, s1, s2, c1, c2, note in _GB36600_ROWS
}

# Extra spellings seen in lab reports (the canonical name, its CAS number and a punctuation-free
# form of both are recognised automatically).
_EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "砷": ("As", "总砷", "arsenic"),
    "镉": ("Cd", "总镉", "cadmium"),
    "铬(六价)": ("Cr6+", "Cr(VI)", "CrVI", "Cr6", "六价铬", "铬六价", "hexavalentchromium"),
    "铜": ("Cu", "总铜", "copper"),
    "铅": ("Pb", "总铅", "lead"),
    "汞": ("Hg", "总汞", "mercury"),
    "镍": ("Ni", "总镍", "nickel"),
    "锑": ("Sb", "antimony"),
    "铍": ("Be", "beryllium"),
    "钴": ("Co", "cobalt"),
    "钒": ("V", "vanadium"),
    "甲基汞": ("MeHg", "methylmercury"),
    "氰化物": ("CN", "总氰化物", "cyanide"),
    "苯": ("benzene",),
    "甲苯": ("toluene",),
    "乙苯": ("ethylbenzene",),
    "苯乙烯": ("styrene",),
    "氯仿": ("三氯甲烷", "chloroform"),
    "四氯化碳": ("carbontetrachloride",),
    "三氯乙烯": ("TCE", "trichloroethylene", "trichloroethene"),
    "四氯乙烯": ("PCE", "tetrachloroethylene", "tetrachloroethene"),
    "氯乙烯": ("VC", "vinylchloride"),
    "间二甲苯+对二甲苯": ("间,对-二甲苯", "间/对二甲苯", "对二甲苯+间二甲苯", "m,p-xylene", "m+p-xylene"),
    "邻二甲苯": ("o-xylene",),
    "硝基苯": ("nitrobenzene",),
    "苯胺": ("aniline",),
    "苯并[a]芘": ("BaP", "B[a]P", "苯并(a)芘", "benzo[a]pyrene", "benzo(a)pyrene"),
    "苯并[a]蒽": ("苯并(a)蒽", "benzo[a]anthracene"),
    "苯并[b]荧蒽": ("苯并(b)荧蒽", "benzo[b]fluoranthene"),
    "苯并[k]荧蒽": ("苯并(k)荧蒽", "benzo[k]fluoranthene"),
    "䓛": ("屈", "chrysene"),
    "二苯并[a,h]蒽": ("二苯并(a,h)蒽", "dibenz[a,h]anthracene"),
    "茚并[1,2,3-cd]芘": ("茚并(1,2,3-cd)芘", "indeno[1,2,3-cd]pyrene"),
    "萘": ("naphthalene",),
    "石油烃(C10-C40)": ("石油烃", "石油烃C10-C40", "石油烃（C10～C40）", "TPH", "TPH(C10-C40)", "C10-C40"),
    "多氯联苯(总量)": ("多氯联苯", "PCBs", "总多氯联苯"),
    "多溴联苯(总量)": ("多溴联苯", "PBBs"),
    "二噁英类(总毒性当量)": ("二噁英", "二噁英类", "dioxins"),
    "邻苯二甲酸二(2-乙基己基)酯": ("DEHP",),
    "邻苯二甲酸丁基苄酯": ("BBP",),
    "邻苯二甲酸二正辛酯": ("DnOP", "DNOP"),
    "3,3',4,4',5-五氯联苯(PCB 126)": ("PCB126", "PCB-126"),
    "3,3',4,4',5,5'-六氯联苯(PCB 169)": ("PCB169", "PCB-169"),
    "p,p'-滴滴滴": ("p,p'-DDD", "DDD"),
    "p,p'-滴滴伊": ("p,p'-DDE", "DDE"),
    "滴滴涕": ("DDT",),
    "敌敌畏": ("dichlorvos",),
    "乐果": ("dimethoate",),
    "阿特拉津": ("atrazine",),
}

SAMPLE_COLUMNS = ("样品编号", "样品", "sample", "样品号", "样品名称", "sample_id", "sampleid", "编号")
# Columns that are sample metadata, not pollutants: ignored instead of being reported as unknown.
META_COLUMNS = (
    "点位", "点位编号", "采样点", "深度", "采样深度", "深度(m)", "土层", "层位", "经度", "纬度", "lon", "lat",
    "x", "y", "采样日期", "日期", "date", "备注", "remark", "note", "ph", "ph值", "含水率", "地块", "地块名称",
    "depth", "site", "序号", "no",
)

_UNIT_RE = re.compile(r"\s*[\(（\[【]\s*(mg/kg|μg/kg|µg/kg|ug/kg|mg/kg干重|ng/kg)\s*[\)）\]】]\s*$", re.I)
_NOT_DETECTED = {"nd", "n.d.", "n.d", "未检出", "未检测到", "<dl", "<lod", "bdl", "低于检出限"}
_LESS_THAN_RE = re.compile(r"^(?:<|＜|&lt;|≤)\s*([0-9.]+(?:e-?\d+)?)$", re.I)
_L_SUFFIX_RE = re.compile(r"^([0-9.]+(?:e-?\d+)?)\s*L$")  # "0.01L": HJ/GB report form for not detected
_ND_WITH_LIMIT_RE = re.compile(r"^(?:nd|未检出)\s*[\(（]\s*([0-9.]+(?:e-?\d+)?)\s*[\)）]$", re.I)


def _key(text: str) -> str:
    """A comparison key: lower case, full-width folded, without spaces and punctuation."""
    text = text.translate(str.maketrans("（）［］【】，＋－～", "()[][],+-~")).lower()
    return re.sub(r"[\s()\[\],+\-~'’′_/·.]", "", text)


def _build_alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name, limit in GB36600.items():
        spellings = (name, *_EXTRA_ALIASES.get(name, ()))
        if limit.cas and "," not in limit.cas:
            spellings += (limit.cas,)
        for spelling in spellings:
            index[_key(spelling)] = name
    return index


_ALIAS_INDEX = _build_alias_index()
# Rows of lab tables that are not samples (a units row under the header is merged into it).
_UNITS_ROW_LABELS = {"单位", "unit", "units", "计量单位"}
_NON_SAMPLE_LABELS = {"检出限", "方法检出限", "筛选值", "管制值", "标准值", "评价标准", "最大值", "最小值", "平均值", "均值"}
_NON_SAMPLE_KEYS = frozenset(_key(x) for x in _NON_SAMPLE_LABELS | _UNITS_ROW_LABELS)


def canonical_pollutant(name: str) -> str | None:
    """The GB 36600 item name for a column header or alias ("As", "六价铬", "石油烃"…), else None."""
    stripped = _UNIT_RE.sub("", re.sub(r"#\d+$", "", str(name))).strip()
    found = _ALIAS_INDEX.get(_key(stripped))
    if found is None and unitmod.split_header(stripped)[1] is not None:  # "砷(毫克/千克)"
        found = _ALIAS_INDEX.get(_key(unitmod.split_header(stripped)[0]))
    return found


def _unit_divisor(header: str) -> float | None:
    """Divisor to mg/kg from a unit written in the header; 1.0 when there is none, None if the unit
    cannot be converted to mg/kg (unknown, or of another quantity such as mg/L)."""
    written = unitmod.split_header(str(header))[1]
    if written is None:
        return 1.0
    unit = unitmod.lookup(written)
    if unit is None or unit.quantity != unitmod.SOIL:
        return None
    return unit.div / unit.mul


def _check_land_class(land_class: int) -> int:
    if land_class not in (1, 2) or isinstance(land_class, bool):
        raise ValidationError("error.land_class", field="land_class", value=land_class)
    return int(land_class)


def land_class_for_use(use: str | int) -> int:
    """1 for 第一类用地 (and "1", "一类"…), 2 for 第二类用地; ValidationError otherwise."""
    text = _key(str(use))
    first = {_key(LAND_USE_CLASSES[0]), "1", "第一类", "一类", "class1", "i", "第1类用地", "第1类"}
    second = {_key(LAND_USE_CLASSES[1]), "2", "第二类", "二类", "class2", "ii", "第2类用地", "第2类"}
    if text in first:
        return 1
    if text in second:
        return 2
    raise ValidationError("error.land_use", field="land_use", value=use, first=LAND_USE_CLASSES[0], second=LAND_USE_CLASSES[1])


@dataclass
class SoilVerdict:
    """The verdict for one sample and pollutant, or an error for a cell, row or column."""

    sample: str | None
    pollutant: str  # the GB 36600 name, or the column header when it is unknown
    value: float | None  # mg/kg; None when not detected or not readable
    screening: float | None
    intervention: float | None
    verdict: str  # one of VERDICTS, or "error"
    raw: str = ""  # the cell text as read
    detection_limit: float | None = None  # for "<0.01" / "0.01L"
    column: str = ""  # the header in the file
    row: int | None = None  # 1-based data row number (header excluded)
    error: str | None = None
    background: float | None = None  # mg/kg, where one was given for this sample and pollutant
    unit: str | None = None  # the unit the lab wrote when the value was converted (e.g. µg/kg)
    original: float | None = None  # the value in that unit

    @property
    def footnote(self) -> str:
        """GB 36600 note ① wherever the within-background verdict shows, else ""."""
        return FOOTNOTE if self.verdict == WITHIN_BACKGROUND else ""

    @property
    def is_error(self) -> bool:
        return self.verdict == ERROR_VERDICT

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: sample, pollutant, value, screening, intervention, verdict (+ details when present)."""
        out: dict[str, Any] = {
            "sample": self.sample,
            "pollutant": self.pollutant,
            "value": self.value,
            "screening": _plain_number(self.screening),
            "intervention": _plain_number(self.intervention),
            "verdict": self.verdict,
        }
        if self.detection_limit is not None:
            out["detection_limit"] = self.detection_limit
        if self.background is not None:
            out["background"] = _plain_number(self.background)
        if self.footnote:
            out["verdict_zh"] = VERDICT_ZH[self.verdict]
            out["footnote"] = self.footnote
        if self.unit is not None:
            out["original"] = {"value": self.original, "unit": self.unit}
        if self.error:
            out.update(column=self.column, row=self.row, error=self.error)
        return out


def _plain_number(value: float | None) -> float | int | None:
    """20.0 → 20, 0.55 → 0.55 (the JSON shows limits as written in the standard)."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def parse_result(raw: object) -> tuple[float | None, float | None, bool]:
    """Parse one lab result cell → (value mg/kg as written, detection limit, not_detected).

    Raises ValueError for text that is no result. Empty cells return (None, None, False).
    """
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None, None, False
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw), None, False
    text = str(raw).strip().replace("，", ",")
    if text in ("", "-", "—", "/", "NA", "na", "n/a", "未测", "未检测"):
        return None, None, False
    low = text.lower()
    if low in _NOT_DETECTED:
        return None, None, True
    for pattern in (_LESS_THAN_RE, _L_SUFFIX_RE, _ND_WITH_LIMIT_RE):
        match = pattern.match(text)
        if match:
            return None, float(match.group(1)), True
    value = float(text)  # ValueError for anything else
    if not math.isfinite(value):
        raise ValueError(text)
    return value, None, False


def classify(value: float, screening: float, intervention: float, background: float | None = None) -> str:
    """below_screening if value ≤ screening; else above_screening_within_background when a
    ``background`` is given and value ≤ background (GB 36600 note ①, only for 砷/钴/钒: the caller
    passes a background only for those); else above_intervention if value > intervention; else
    above_screening."""
    if value > screening and background is not None and value <= background:
        return WITHIN_BACKGROUND
    if value > intervention:
        return "above_intervention"
    if value > screening:
        return "above_screening"
    return "below_screening"


def _find_sample_key(keys: Iterable[str]) -> str | None:
    wanted = [_key(c) for c in SAMPLE_COLUMNS]
    keyed = {_key(k): k for k in keys}
    for want in wanted:
        if want in keyed:
            return keyed[want]
    return None


_BACKGROUND_WORDS = ("背景值", "背景", "background", "bg")


def _background_item(header: str, pollutant_items: list[str]) -> str | None:
    """The item a background column is for: "砷背景值"/"背景值(As)" → 砷; a plain "背景值" → the one
    footnote-① item of the file. Returns "" for a background column that names no usable item
    (ValidationError when it is ambiguous), None when ``header`` is no background column."""
    name = unitmod.split_header(str(header))[0]
    key = _key(name)
    word = next((w for w in _BACKGROUND_WORDS if w in key and (w != "bg" or key.endswith("bg"))), None)
    if word is None:
        return None
    rest = key.replace(word, "").replace("背景", "")
    if rest:
        return _ALIAS_INDEX.get(rest) or ""
    candidates = [i for i in pollutant_items if i in BACKGROUND_ITEMS]
    if len(candidates) == 1:
        return candidates[0]
    raise ValidationError("error.background_column", field=str(header), header=header, count=len(candidates),
          items=candidates or Phrase("error.none"))


def _split_columns(
    headers: list[str], sample_key: str
) -> tuple[list[tuple[str, SoilLimit, float]], dict[str, tuple[str, float]], list[SoilVerdict]]:
    """Pollutant columns (header, limit, divisor), background columns {item: (header, divisor)}
    and the error entries of columns that cannot be used."""
    meta = {_key(c) for c in META_COLUMNS}
    errors: list[SoilVerdict] = []
    columns: list[tuple[str, SoilLimit, float]] = []
    candidates = []
    for header in headers:
        if header == sample_key or _key(_UNIT_RE.sub("", str(header))) in meta or not str(header).strip():
            continue
        candidates.append(header)
    items = [canonical_pollutant(h) or canonical_pollutant(unitmod.split_header(h)[0]) for h in candidates]
    backgrounds: dict[str, tuple[str, float]] = {}
    for header, name in zip(candidates, items):
        divisor = _unit_divisor(header)
        bg_item = _background_item(header, [i for i in items if i])
        if bg_item is not None:
            if bg_item not in BACKGROUND_ITEMS:
                errors.append(SoilVerdict(None, str(header), None, None, None, ERROR_VERDICT, column=str(header), error=(
                    f"背景值列 '{header}'：GB 36600-2018 注① 只对 {'、'.join(BACKGROUND_ITEMS)} 适用背景值；"
                    "其他污染物按筛选值判定，请删除该列")))
            elif divisor is None:
                errors.append(SoilVerdict(None, bg_item, None, None, None, ERROR_VERDICT, column=str(header), error=(
                    f"列 '{header}' 的单位无法换算为 mg/kg；请用 mg/kg 或 µg/kg")))
            else:
                backgrounds[bg_item] = (str(header), divisor)
            continue
        if name is None:
            errors.append(SoilVerdict(
                None, str(header), None, None, None, ERROR_VERDICT, column=str(header),
                error=f"unknown pollutant / 未知污染物列 '{header}'：不在 {STANDARD} 表1/表2 中，"
                      "请改用标准中的名称（如 砷、六价铬、石油烃(C10-C40)）或删除该列",
            ))
            continue
        if divisor is None:
            errors.append(SoilVerdict(
                None, name, None, None, None, ERROR_VERDICT, column=str(header),
                error=f"列 '{header}' 的单位无法换算为 mg/kg：土壤结果须为 mg/kg（或 µg/kg、ng/kg，会自动换算），请改正表头",
            ))
            continue
        columns.append((str(header), GB36600[name], divisor))
    return columns, backgrounds, errors


def _parse_background(raw: object, header: str, divisor: float) -> float | None:
    value, _dl, not_detected = parse_result(raw)  # ValueError for text
    if not_detected or value is None:
        return None
    if value < 0:
        raise ValueError(raw)
    return value / divisor


def check_samples(
    rows: Iterable[Mapping[str, object]], land_class: int, backgrounds: Mapping[str, float] | None = None,
) -> list[SoilVerdict]:
    """Judge every pollutant cell of every row against GB 36600-2018 for ``land_class`` (1 or 2).

    ``rows`` are mappings header → cell (e.g. from :func:`read_soil_file`); one header is the sample
    id (样品编号/样品/sample), the others are pollutants in mg/kg (a "(µg/kg)" header is converted).
    Metadata columns (深度, 经度, 备注 …) are ignored. Empty cells mean "not analysed" and give no
    verdict. Problems come back as verdict "error" entries (one per unknown column, one per bad cell
    or row) so that nothing is lost; good cells of the same row are still judged.

    Backgrounds (note ①, 砷/钴/钒 only): a per-sample column (背景值, 砷背景值, background …) wins over
    ``backgrounds`` ({item or alias: mg/kg}, e.g. the plot's recorded values).
    """
    land_class = _check_land_class(land_class)
    fixed = _fixed_backgrounds(backgrounds)
    rows = list(rows)
    if not rows:
        return []
    headers: list[str] = []
    for row in rows:
        headers.extend(h for h in row if h not in headers)
    sample_key = _find_sample_key(headers)
    if sample_key is None:
        raise ValidationError("error.no_sample_column", field="sample", headers=[str(h) for h in headers])
    columns, bg_columns, out = _split_columns(headers, sample_key)
    for index, row in enumerate(rows, start=1):
        sample = str(row.get(sample_key) or "").strip()
        if sample.endswith(".0") and sample[:-2].isdigit():
            sample = sample[:-2]
        if not sample:
            has_data = any(str(row.get(h, "")).strip() not in ("", "None", "nan") for h, _l, _f in columns)
            if has_data:
                out.append(SoilVerdict(
                    None, "", None, None, None, ERROR_VERDICT, row=index,
                    error=f"第 {index} 行没有样品编号，整行未判定：请填写 {sample_key}",
                ))
            continue
        if _key(sample) in _NON_SAMPLE_KEYS:
            out.append(SoilVerdict(
                None, "", None, None, None, ERROR_VERDICT, row=index,
                error=f"第 {index} 行是「{sample}」行，不是样品，未判定；如确为样品请改用其他编号",
            ))
            continue
        row_bg = dict(fixed)
        for item, (header, divisor) in bg_columns.items():
            try:
                value = _parse_background(row.get(header), header, divisor)
            except ValueError:
                out.append(SoilVerdict(None, item, None, None, None, ERROR_VERDICT, column=header, row=index, error=(
                    f"样品 {sample} 的 {header} 值 '{row.get(header)}' 不是非负数字：请填写背景值（mg/kg）或留空")))
                continue
            if value is not None:
                row_bg[item] = value
        for header, limit, divisor in columns:
            verdict = _judge_cell(sample, index, header, limit, divisor, row.get(header), land_class,
                                  row_bg.get(limit.name))
            if verdict is not None:
                out.append(verdict)
    return out


def _fixed_backgrounds(backgrounds: Mapping[str, float] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in (backgrounds or {}).items():
        name = canonical_pollutant(str(key))
        if name not in BACKGROUND_ITEMS:
            raise ValidationError("error.background_item", field=str(key), item=key, items=list(BACKGROUND_ITEMS))
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValidationError("error.background_value", field=name, item=name, value=value)
        out[name] = float(value)
    return out


def _judge_cell(sample: str, index: int, header: str, limit: SoilLimit, divisor: float, raw: object,
                land_class: int, background: float | None) -> SoilVerdict | None:
    """The verdict of one cell (None for an empty cell: not analysed)."""
    screening = limit.screening_for(land_class)
    intervention = limit.intervention_for(land_class)
    base = dict(sample=sample, pollutant=limit.name, screening=screening, intervention=intervention,
                raw="" if raw is None else str(raw), column=header, row=index, background=background)
    try:
        value, detection_limit, not_detected = parse_result(raw)
    except ValueError:
        return SoilVerdict(value=None, verdict=ERROR_VERDICT, **base, error=(
            f"样品 {sample} 的 {header} 值 '{raw}' 不是数字：请填写数值（mg/kg）、ND/未检出 或 <检出限"))
    if value is None and not not_detected:
        return None
    if not_detected:
        limit_mg = None if detection_limit is None else detection_limit / divisor
        if limit_mg is not None and limit_mg > screening:
            return SoilVerdict(value=None, verdict=ERROR_VERDICT, detection_limit=limit_mg, **base, error=(
                f"样品 {sample} 的 {limit.name} 未检出，但检出限 {limit_mg:g} mg/kg 高于筛选值 {screening:g}，"
                "无法判定：请用检出限更低的方法复测"))
        return SoilVerdict(value=None, verdict="below_screening", detection_limit=limit_mg, **base)
    if value < 0:
        return SoilVerdict(value=None, verdict=ERROR_VERDICT, **base, error=(
            f"样品 {sample} 的 {header} 为负值 {value:g}：浓度不能为负，请核对原始报告"))
    value_mg = value / divisor
    converted = {"unit": unitmod.split_header(header)[1], "original": value} if divisor != 1.0 else {}
    return SoilVerdict(value=value_mg, verdict=classify(value_mg, screening, intervention, background),
                       **base, **converted)


def magnitude_suspects(rows: Iterable[Mapping[str, object]]) -> dict[str, str]:
    """{header: warning} for unit-less pollutant columns with a value above 10 × the class-2 管制值:
    they look like µg/kg (our plausibility convention, docs/domain.md §9)."""
    rows = list(rows)
    headers: list[str] = []
    for row in rows:
        headers.extend(h for h in row if h not in headers)
    suspects: dict[str, str] = {}
    for header in headers:
        name = canonical_pollutant(header)
        if name is None or unitmod.split_header(header)[1] is not None:
            continue
        values = []
        for row in rows:
            try:
                value = parse_result(row.get(header))[0]
            except (ValueError, TypeError):
                continue
            if value is not None:
                values.append(value)
        ceiling = 10 * GB36600[name].intervention[1]
        if values and max(values) > ceiling:
            suspects[header] = (
                f"列 '{header}' 没有写单位，最大值 {max(values):g} 超过{name}第二类用地管制值的 10 倍（{ceiling:g} mg/kg），"
                f"像是 µg/kg；请确认单位 / column '{header}' has no unit and {max(values):g} is above 10 × the "
                "class-2 intervention value: it looks like µg/kg")
    return suspects


def magnitude_warnings(rows: Iterable[Mapping[str, object]]) -> list[str]:
    """The warnings of :func:`magnitude_suspects`."""
    return list(magnitude_suspects(rows).values())


def apply_units(rows: list[dict[str, str]], given: Mapping[str, str]) -> list[dict[str, str]]:
    """Rows whose headers carry the units given by the officer ("苯" + µg/kg → "苯(µg/kg)")."""
    if not given:
        return rows
    headers = list(rows[0]) if rows else []
    missing = [c for c in given if c not in headers]
    if missing:
        raise ValidationError("error.unit_columns_absent", field=missing[0], columns=missing, headers=headers)
    renamed = {h: f"{unitmod.split_header(h)[0]}({given[h]})" if h in given else h for h in headers}
    return [{renamed.get(k, k): v for k, v in row.items()} for row in rows]


# --------------------------------------------------------------------------- reading files
def read_csv_any_encoding(path: str | Path) -> "Any":
    """A CSV (or .xlsx) as a pandas DataFrame of strings: gislib.io.uploads.table_frame, the one table reader."""
    from gislib.io.uploads import table_frame

    return table_frame(path)


def decode_text(path: str | Path) -> str:
    """The text of an uploaded file in UTF-8 (with or without BOM) or GB18030, after the upload gate."""
    from gislib.io.uploads import gate_text

    return gate_text(Path(path))[0]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def _raw_rows(path: Path) -> list[list[str]]:
    """All rows of a CSV or the first sheet of an .xlsx as lists of cell text (through the upload gate)."""
    from gislib.io.uploads import read_grid

    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise DataError("error.soil_file_type", path=path, suffix=suffix)
    rows = read_grid(path, _soil_delimiter)
    return [[_cell_text(v) for v in row] for row in rows]


def _soil_delimiter(text: str) -> str:
    first_line = text.splitlines()[0] if text.strip() else ""
    return "," if "," in first_line or not first_line else ("\t" if "\t" in first_line else ";")


def read_soil_file(path: str | Path) -> list[dict[str, str]]:
    """Rows (header → cell text) of a soil result table: CSV (UTF-8/BOM/GBK) or .xlsx (first sheet).

    The header row (found within the first 10 rows, so title lines above it are fine) needs a sample
    column (样品编号/样品/sample); every other column is a pollutant in mg/kg. A units row right under
    the header (样品编号 cell "单位") is merged into the headers, e.g. "苯" + "µg/kg" → "苯(µg/kg)".
    Rows labelled 检出限/筛选值/… are kept with their label so that check_samples reports them.
    """
    path = Path(path)
    if not path.exists():
        raise NotFoundError("error.soil_not_found", path=path)
    rows = [r for r in _raw_rows(path) if any(c for c in r)]
    header_index = next((i for i, r in enumerate(rows[:10]) if _find_sample_key(r) is not None), None)
    if header_index is None:
        shown = list(rows[0]) if rows else Phrase("error.empty_table")
        raise ValidationError("error.soil_no_sample_column", field="sample", path=path, shown=shown)
    headers = rows[header_index]
    sample_at = headers.index(_find_sample_key(headers))
    body = rows[header_index + 1:]
    if body and sample_at < len(body[0]) and _key(body[0][sample_at]) in _UNITS_ROW_LABELS:
        units = body.pop(0)
        headers = [f"{h}({u})" if i != sample_at and i < len(units) and u and not _UNIT_RE.search(h) else h
                   for i, (h, u) in enumerate(zip(headers, units + [""] * len(headers)))]
    seen: dict[str, int] = {}
    unique_headers = []
    for h in headers:  # a repeated header becomes "砷#2" so that no column is lost
        seen[h] = seen.get(h, 0) + 1
        unique_headers.append(h if seen[h] == 1 else f"{h}#{seen[h]}")
    if not body:
        raise DataError("error.soil_no_rows", path=path)
    records = []
    for row in body:
        cells = row + [""] * (len(unique_headers) - len(row))
        record = {h: cells[i] for i, h in enumerate(unique_headers) if h}
        records.append(record)
    return records


__all__ = [
    "BACKGROUND_ITEMS", "FOOTNOTE", "VERDICT_EN", "VERDICT_EXPLAIN", "VERDICT_ZH", "WITHIN_BACKGROUND",
    "apply_units", "magnitude_suspects", "magnitude_warnings", "preset_backgrounds", "background_region",
    "GB36600", "SoilLimit", "SoilVerdict", "VERDICTS", "canonical_pollutant", "check_samples", "classify",
    "land_class_for_use", "parse_result", "read_csv_any_encoding", "read_soil_file",
]
