"""The one translation catalog (gislib/messages, read through gislib.i18n): complete in both
languages, every key used, no Chinese UI text left in a view outside it, one English label for every
value of the enumerations people see, and errors that speak the user's language."""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from gislib import domain
from gislib.errors import DataError, HetuError, ValidationError
from gislib.i18n import current_lang, enum_label, t, term, use_lang
from gislib.messages import CATALOG, ENUMS

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "app.py", *sorted((REPO / "views").glob("*.py")), *sorted((REPO / "layers").glob("*.py")),
           *sorted(p for p in (REPO / "gislib").rglob("*.py") if "messages" not in p.parts),
           *sorted((REPO / "cli").glob("*.py"))]
HAN = re.compile(r"[\u3400-\u9fff]")

# Chinese literals a view may hold outside the catalog, each for a reason:
VIEW_ALLOWED = {
    "河图 Hetu",  # the product's name (browser tab title), the same in both languages
    "语言 Language", "中文",  # the language switch names each language in itself, so both readers find it
    "当前用户 Acting user", "officer:李某某", "chief:孙某某",  # demo acting-user picker (names are data; h16 replaces it)
    "登录功能上线前，在此选择操作人；每次修改都记录操作人。 Until logins arrive, choose who acts; every edit records the user.",
    "PT-0012 / 张泾 …",  # a search example: a code and a river's proper name
}
VIEW_ALLOWED_PREFIX = ("<style>",)  # Chinese texts of Streamlit's own uploader, set by CSS in Chinese mode only


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _constants(path: Path) -> tuple[set[str], set[str]]:
    """(string constants, f-string leading parts) of a source file, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    consts, prefixes = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            prefixes.add(node.values[0].value)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant) \
                and isinstance(node.left.value, str):
            prefixes.add(node.left.value)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            consts.add(node.value)
    prefixes |= {c for c in consts if c.endswith(".")}
    return consts, {p for p in prefixes if p.endswith((".", "_"))}


def _built(key: str, consts: set[str], prefixes: set[str], everywhere: set[str]) -> bool:
    """True when ``key`` is one or more of the file's prefixes followed by a written-out rest."""
    return any(key.startswith(pre) and (key[len(pre):] in consts or key[len(pre):] in everywhere
                                        or _built(key[len(pre):], consts, prefixes, everywhere))
               for pre in prefixes)


def _view_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs and HAN.search(n.value)]


def test_every_key_has_chinese_and_english_with_the_same_fields():
    bad = [k for k, (zh, en) in CATALOG.items() if not zh.strip() or not en.strip()]
    assert not bad, f"keys without zh or en: {bad}"
    # a water class is Ⅲ类 in Chinese and Class III in English
    differ = [k for k, (zh, en) in CATALOG.items() if _fields(zh) != _fields(en) and k not in ("maplayer.class",)]
    assert not differ, f"zh and en fill different fields: {differ}"
    untranslated = [k for k, (zh, en) in CATALOG.items() if HAN.search(en) and HAN.search(zh) and zh == en]
    assert not untranslated, f"English text is the Chinese one: {untranslated}"


def test_no_key_is_unused():
    """A key is used when it is written out, or when code builds it from prefixes (``f"dust.{key}"``,
    ``"layer." + key``, ``L(f"mode.{m}")``) and the rest of the key is written in that file or anywhere."""
    per_file = {p: _constants(p) for p in SOURCES}
    everywhere = set().union(*(c for c, _ in per_file.values()))
    unused = []
    for key in CATALOG:
        if key in everywhere:
            continue
        if any(_built(key, consts, prefixes, everywhere) for consts, prefixes in per_file.values()):
            continue
        unused.append(key)
    assert not unused, f"{len(unused)} unused keys: {unused}"


def test_no_view_holds_chinese_ui_text_outside_the_catalog():
    """Data values of the enumerations (compared or looked up, translated by enum_label) and the
    explained allow-list above are the only Chinese a view may hold."""
    values = {v for table in ENUMS.values() for v in table}
    found = [f"{p.name}:{line}: {text[:50]!r}" for p in sorted((REPO / "views").glob("*.py"))
             for line, text in _view_literals(p)
             if text not in values and text not in VIEW_ALLOWED and not text.startswith(VIEW_ALLOWED_PREFIX)]
    assert not found, "Chinese UI text in views (move it to gislib/messages):\n" + "\n".join(found)


def test_the_view_check_catches_a_chinese_label(tmp_path):
    source = tmp_path / "v.py"
    source.write_text('import streamlit as st\nst.button("保存")\n', encoding="utf-8")
    assert _view_literals(source) == [(2, "保存")]


@pytest.mark.parametrize("kind,values", [
    ("outfall_type_l1", domain.OUTFALL_TYPE_L1),
    ("outfall_type_l2", [l2 for l2s in domain.OUTFALL_TYPES.values() for l2 in l2s if l2 != "暂无法确定"]),
    ("outfall_type_l2", [l3 for l2s in domain.OUTFALL_TYPES.values() for l3s in l2s.values() for l3 in l3s]),
    ("outfall_state", domain.OUTFALL_STATES),
    ("workflow_phase", [p for p in domain.OUTFALL_PHASE.values() if p != "—"]),
    ("plot_stage", domain.PLOT_STAGES),
    ("wq_class", domain.WQ_CLASSES),
    ("discharge_mode", domain.DISCHARGE_MODES),
    ("discharge_pattern", domain.DISCHARGE_PATTERNS),
    ("remediation_kind", domain.REMEDIATION_KINDS),
    ("land_class", domain.LAND_USE_CLASSES),
    ("dust_phase", domain.DUST_PHASES),
])
def test_every_domain_value_has_an_english_label(kind, values):
    missing = [v for v in values if enum_label(kind, v, "en") == v]
    assert not missing, f"{kind}: no English for {missing}"
    assert all(enum_label(kind, v, "zh") == v for v in values)


def test_problem_and_chief_enumerations_are_complete():
    from gislib.problems import model
    from gislib.problems.config import CHIEF_LEVELS

    for kind, values in (("problem_state", model.STATES), ("problem_category", model.CATEGORIES),
                         ("problem_source", model.SOURCES), ("chief_level", CHIEF_LEVELS)):
        assert not [v for v in values if v not in ENUMS[kind]], kind
    assert enum_label("chief_level", "街镇级", "en") == "Sub-district"


def test_t_fills_fields_and_follows_the_chosen_language():
    before = current_lang()
    try:
        assert t("dust.parsed", "zh", ok=3, bad=1) == "3 条可用, 1 行未使用"
        assert t("dust.parsed", "en", ok=3, bad=1) == "3 readings usable, 1 lines not used"
        use_lang("en")
        assert t("nav.outfall") == "Outfall file" and term("整治中") == "Under remediation"
        use_lang("xx")  # unknown: Chinese
        assert t("nav.outfall") == "一口一档" and term("整治中") == "整治中"
    finally:
        use_lang(before)


def test_an_error_speaks_the_language_of_the_run():
    err = ValidationError("error.plot_batch_required", "batch", stage="纳入名录", year=2026)
    assert err.field == "batch" and err.params["year"] == 2026
    assert err.text("zh").startswith("进入「纳入名录」必须填写名录批次")
    assert "needs the batch" in err.text("en") and not HAN.sub("", err.text("en")).count("{")
    before = current_lang()
    try:
        use_lang("en")
        assert str(err) == err.text("en")
    finally:
        use_lang(before)
    assert str(HetuError("一句旧的消息")) == "一句旧的消息"  # not yet in the catalog: shown as written
    assert isinstance(DataError("x"), HetuError)


def test_no_view_leaves_a_bare_expression_for_streamlit_magic_to_print():
    """A statement that is only a comparison or name (``lang() == "zh"`` left behind by an edit) is shown
    on the page by Streamlit's magic as "False"/"True"."""
    found = [f"{p.name}:{n.lineno}" for p in sorted((REPO / "views").glob("*.py"))
             for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
             if isinstance(n, ast.Expr) and isinstance(n.value, (ast.Compare, ast.Name, ast.BoolOp))]
    assert not found, found


# folders of gislib whose errors are all catalog keys (issue #14: "one error hierarchy, in the user's language")
CONVERTED = ("io", "water", "soil", "dust", "geo", "reports", "problems", "patrols", "demo", "store", "fields",
             "services", "auth",
             "")  # "": gislib/*.py
CONVERTED_OUTSIDE = ("layers", "cli")  # folders of the repository beside gislib whose errors are all catalog keys
ERROR_FACTORIES = {"refuse", "Phrase"}  # gislib.io.uploads.refuse builds the gate's ValidationError from a key


def _error_classes() -> set[str]:
    import gislib.store.operations  # noqa: F401 - defines CopyMismatch
    import gislib.store.validators  # noqa: F401 - defines RecordValidationError, BulkValidationError

    found, todo = set(), [HetuError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def _key_family(node) -> bool:
    """``f"error.kind.{kind}"``: a key built from a prefix that catalog keys have."""
    if not isinstance(node, ast.JoinedStr) or not node.values or not isinstance(node.values[0], ast.Constant):
        return False
    prefix = node.values[0].value
    return prefix.endswith(".") and any(key.startswith(prefix) for key in CATALOG)


def _error_calls(path: Path, names: set[str]) -> list[str]:
    """``Error("not a key")`` calls of ``path``: a first argument that is not a catalog key written out
    (an f-string, a sentence, a concatenation), or a key whose {fields} the call does not all give."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if func not in names:
            continue
        first = node.args[0] if node.args else None
        keys = [b for b in (first.body, first.orelse)] if isinstance(first, ast.IfExp) else [first]
        where = f"{path.relative_to(REPO)}:{node.lineno}"
        if all(isinstance(k, (ast.Name, ast.Subscript)) or _key_family(k) for k in keys):  # a key handed on,
            continue  # looked up in a table of keys, or built from a family of keys
        if not all(isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value in CATALOG for k in keys):
            bad.append(f"{where}: {ast.unparse(node)[:100]}")
            continue
        given = {kw.arg for kw in node.keywords}
        if None in given:  # **params: the fields cannot be checked here
            continue
        for k in keys:
            missing = (_fields(CATALOG[k.value][0]) | _fields(CATALOG[k.value][1])) - given
            if missing:
                bad.append(f"{where}: {k.value} needs {sorted(missing)}")
    return bad


def test_errors_of_the_converted_folders_are_catalog_keys_with_their_parameters():
    names = _error_classes() | ERROR_FACTORIES
    files = [p for folder in CONVERTED
             for p in sorted((REPO / "gislib" / folder).rglob("*.py") if folder else (REPO / "gislib").glob("*.py"))]
    files += [p for folder in CONVERTED_OUTSIDE for p in sorted((REPO / folder).rglob("*.py"))]
    assert files
    bad = [line for p in files for line in _error_calls(p, names)]
    assert not bad, "errors raised with text instead of a catalog key (gislib/messages/errors*.py):\n" + "\n".join(bad)


def test_the_error_check_catches_a_sentence_and_a_missing_parameter(tmp_path):
    source = tmp_path / "m.py"
    source.write_text('from gislib.errors import DataError\n'
                      'def f(p):\n'
                      '    raise DataError(f"找不到文件 {p}")\n'
                      'def g(p):\n'
                      '    raise DataError("error.file_not_found")\n'
                      'def h(p):\n'
                      '    raise DataError("error.file_not_found", path=p)\n', encoding="utf-8")
    found = _check_outside(source, {"DataError"})
    assert len(found) == 2 and "找不到文件" in found[0] and "needs ['path']" in found[1]


def _check_outside(path: Path, names: set[str]) -> list[str]:
    """_error_calls for a file outside the repository (named relative to its folder)."""
    global REPO
    saved, REPO = REPO, path.parent
    try:
        return _error_calls(path, names)
    finally:
        REPO = saved


def test_an_upload_refusal_names_the_file_the_limit_and_its_setting_in_both_languages(tmp_path):
    from gislib.io.uploads import Limits, check_line_count

    limits = Limits(max_rows=10)
    text = "a,b\n" + "1,2\n" * 40
    with pytest.raises(ValidationError) as caught:
        check_line_count(text, "样品.csv", limits)
    err = caught.value
    assert err.key == "error.rows_over_count" and err.field == "file"
    for lang in ("zh", "en"):
        shown = err.text(lang)
        assert "样品.csv" in shown and "HETU_MAX_ROWS" in shown and "41" in shown and "10" in shown
    assert "拆分" in err.text("zh") and "split it" in err.text("en") and not HAN.search(err.text("en").replace("样品", ""))


def test_error_parameters_are_shown_in_the_language_of_the_message():
    from gislib.errors import Label, Lines, Phrase, Sentences

    err = DataError("error.task_rows_bad", count=2, rows=Lines([
        Phrase("error.task_row", row=3, problems=Sentences([Phrase("error.task_no_name"),
                                                            Phrase("error.task_category", value="噪声",
                                                                   choices=["黑臭", "其他"])])),
        Phrase("error.task_row", row=5, problems=Sentences([Phrase("error.task_no_name")]))]))
    zh, en = err.text("zh"), err.text("en")
    assert zh.splitlines()[1] == "第 3 行：缺少问题描述；类别「噪声」无效 (可选 黑臭、其他)"
    assert en.splitlines()[1] == "row 3: the problem is not described; the category “噪声” is not valid (choose from 黑臭, 其他)"
    assert en.splitlines()[2] == "row 5: the problem is not described"
    label = ValidationError("error.value_not_int", field="count", label=Label("数量", "Count"), name="count", value="x")
    assert "字段「数量」(count)" in label.text("zh") and "field “Count” (count)" in label.text("en")
    rows = ValidationError("error.rows_over_count", name="a.csv", count=1234567, limit=250000, setting="HETU_MAX_ROWS")
    assert "1,234,567" in rows.text("en") and "250,000" in rows.text("zh")


def test_an_error_with_a_parameter_missing_still_says_what_it_can():
    err = DataError("error.file_not_found")  # the AST check forbids this in gislib; a view must still not crash
    assert err.text("en").startswith("The file {path} was not found")


def test_a_refusal_and_a_login_error_say_why_in_both_languages():
    from gislib.auth.permissions import User, check
    from gislib.errors import LoginError, PermissionDenied

    chief = User(name="u", role="river_chief", rivers=("桃浦河",))
    with pytest.raises(PermissionDenied) as caught:
        check(chief, "edit_record", {"layer": "outfalls", "code": "PT-0001", "river": "苏州河"})
    err = caught.value
    assert err.key == "error.denied" and err.operation == "edit_record"
    assert err.zh == err.text("zh") and "编辑记录" in err.zh and "河长没有此权限" in err.zh
    assert err.en.startswith("Not allowed to edit a record: a river chief may not do this") and not HAN.search(err.en)
    locked = LoginError("error.login_locked", minutes=5)
    assert "5 分钟" in locked.zh and "try again in 5 min" in locked.en
