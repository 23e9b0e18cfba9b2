"""gislib.io.enums: forgiving reading of enumerated values (types, states, stages …).

Order for one cell of a field with allowed values: the officer's value mapping for this import
(``value_map[field][raw text]``) → the exact allowed value (width, case and spaces ignored) →
the shipped synonym table :data:`SYNONYMS` → unknown (listed in the preview for the officer to map).

Outfall types (HJ 1312-2023, ``gislib.domain.OUTFALL_TYPES``) are read as one value at any level:
a level-3 type implies its level-2 and level-1, a level-2 its level-1, whichever type column it
came in (a ledger's 类型 column holding 工业企业排污口 is a level-3 type).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from gislib import domain

TYPE_FIELDS = ("type_l1", "type_l2", "type_l3")
UNDETERMINED = "暂无法确定"

# Common variants seen in district ledgers → the allowed value (a type at any level for the type
# fields). Only unambiguous variants: 养殖排口 (规模化 or 规模以下?) is left for the officer.
SYNONYMS: dict[str, dict[str, str]] = {
    "type": {
        "工业排口": "工业排污口", "工业企业排口": "工业企业排污口", "企业排口": "工矿企业排污口",
        "企业排污口": "工矿企业排污口", "工厂排口": "工业企业排污口", "工业废水排口": "工矿企业排污口",
        "矿山排口": "矿山排污口", "尾矿库排口": "尾矿库排污口",
        "雨水排口": "城镇雨洪排口", "雨水口": "城镇雨洪排口", "雨水排放口": "城镇雨洪排口",
        "城镇雨水排口": "城镇雨洪排口", "市政雨水排口": "城镇雨洪排口", "雨洪排口": "城镇雨洪排口",
        "企业雨水排口": "工矿企业雨洪排口", "工业雨水排口": "工矿企业雨洪排口",
        "污水处理厂排口": "城镇污水处理厂排污口", "污水厂排口": "城镇污水处理厂排污口",
        "城镇污水厂排口": "城镇污水处理厂排污口", "市政污水处理厂排口": "城镇污水处理厂排污口",
        "园区污水处理厂排口": "工业及其他各类园区污水处理厂排污口",
        "生活污水排口": "城镇生活污水散排口", "生活排口": "城镇生活污水散排口",
        "农村生活污水排口": "农村生活污水散排口", "农业排污口": "农业排口",
        "灌区排口": "大中型灌区排口", "码头排口": "港口码头排口", "港口排口": "港口码头排口",
        "其他": "其他排污口", "其它": "其他排污口", "其它排口": "其他排口",
        "未知": UNDETERMINED, "不确定": UNDETERMINED, "待定": UNDETERMINED, "待确定": UNDETERMINED,
        "无法确定": UNDETERMINED, "暂不确定": UNDETERMINED,
    },
    "state": {
        "疑似排口": "疑似", "疑似排污口": "疑似", "待核实": "疑似", "未核实": "疑似",
        "核实": "已核实", "已确认": "已核实", "确认": "已核实", "监测": "已监测", "溯源": "已溯源",
        "整治": "整治中", "正在整治": "整治中", "销号": "已销号", "非排口": "非排污口",
        "不是排污口": "非排污口", "撤销": "已撤销", "日常管理": "日常监管", "常态监管": "日常监管",
    },
    "discharge_mode": {"管": "管道", "管排": "管道", "明沟": "明渠", "沟渠": "明渠", "闸": "涵闸",
                       "泵": "泵站", "暗涵": "箱涵"},
    "discharge_pattern": {**domain.DISCHARGE_PATTERN_SYNONYMS, "雨天": "雨天排放",
                          "下雨排放": "雨天排放", "不排": "不排放", "无排放": "不排放"},
    "remediation_kind": {"封堵": "取缔", "拆除": "取缔", "并管": "合并", "合并整治": "合并",
                         "整改": "规范整治", "规范化整治": "规范整治"},
    "land_class": {"第一类": "第一类用地", "一类用地": "第一类用地", "第二类": "第二类用地", "二类用地": "第二类用地"},
}
SYNONYMS.update({f: SYNONYMS["type"] for f in TYPE_FIELDS})


def canon(text: object) -> str:
    """Comparable form of a value: NFKC, no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


@lru_cache(maxsize=1)
def _type_index() -> dict[str, tuple[str, str | None, str | None]]:
    """canon(type name at any level) → (l1, l2, l3); the deepest reading wins for shared names."""
    index: dict[str, tuple[str, str | None, str | None]] = {}
    for l1, l2s in domain.OUTFALL_TYPES.items():
        index.setdefault(canon(l1), (l1, None, None))
        for l2, l3s in l2s.items():
            index[canon(l2)] = (l1, l2, None)
            for l3 in l3s:
                index[canon(l3)] = (l1, l2, l3)
    return index


def _mapped(field: str, text: str, value_map: dict | None) -> str | None:
    """The officer's mapping of ``text`` for ``field`` (keys compared in canonical form)."""
    chosen = (value_map or {}).get(field) or {}
    if text in chosen:
        return chosen[text]
    key = canon(text)
    return next((v for k, v in chosen.items() if canon(k) == key), None)


def resolve_allowed(field: str, text: str, allowed: tuple[str, ...], value_map: dict | None = None
                    ) -> tuple[str | None, str]:
    """(allowed value or None, how: "map" | "exact" | "synonym" | "") for one cell."""
    options = {canon(o): o for o in allowed}
    mapped = _mapped(field, text, value_map)
    if mapped is not None and canon(mapped) in options:
        return options[canon(mapped)], "map"
    if canon(text) in options:
        return options[canon(text)], "exact"
    syn = {canon(k): v for k, v in SYNONYMS.get(field, {}).items()}.get(canon(text))
    if syn is not None and canon(syn) in options:
        return options[canon(syn)], "synonym"
    return None, ""


def resolve_type(field: str, text: str, value_map: dict | None = None
                 ) -> tuple[tuple[str, str | None, str | None] | None, str]:
    """((l1, l2, l3) or None, how) for an outfall type named in any type column."""
    index = _type_index()
    mapped = _mapped(field, text, value_map)
    if mapped is not None and canon(mapped) in index:
        return index[canon(mapped)], "map"
    if canon(text) in index:
        return index[canon(text)], "exact"
    syn = {canon(k): v for k, v in SYNONYMS["type"].items()}.get(canon(text))
    if syn is not None:
        return index[canon(syn)], "synonym"
    return None, ""


def type_options() -> list[str]:
    """Every outfall type name, level 1, 2 and 3, for the officer's value mapping."""
    names: list[str] = []
    for l1, l2s in domain.OUTFALL_TYPES.items():
        names.append(l1)
        for l2, l3s in l2s.items():
            names += [l2, *l3s]
    return list(dict.fromkeys(names))


def merge_types(found: list[tuple[str, str | None, str | None]]) -> tuple[dict[str, str | None], str | None]:
    """Combine the type readings of one row: ({type_l1, type_l2, type_l3}, error or None)."""
    out: dict[str, str | None] = {"type_l1": None, "type_l2": None, "type_l3": None}
    for reading in found:
        for name, value in zip(TYPE_FIELDS, reading):
            if value is None:
                continue
            if out[name] not in (None, value):
                return out, f"排口类型不符：「{out[name]}」与「{value}」不属于同一类（HJ 1312-2023）"
            out[name] = value
    l1, l2 = out["type_l1"], out["type_l2"]
    if l1 and not l2:
        l2s = tuple(domain.OUTFALL_TYPES[l1])
        if len(l2s) == 1:
            out["type_l2"] = l2s[0]
        else:
            return out, f"缺少二级类型：「{l1}」可选 {'、'.join(l2s)}"
    return out, None
