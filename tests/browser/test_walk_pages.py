"""Walk every page of the real app in Chromium, at 1366×768 (bureau PC) and 390×844 (phone), in both
languages, and fail on what a user would see go wrong:

* an exception box (``[data-testid=stException]``);
* an untranslated label: in English, a visible text that is exactly one of the app's own Chinese UI
  strings; in Chinese, Streamlit's English widget texts ("Choose options", "Upload", "50MB per file",
  "use YYYY-MM-DD") or one of the app's own English UI strings;
* horizontal overflow (the page, or Streamlit's scrolling main area, wider than the window).

The known UI strings are read from the pages' own text tables (``TEXT`` dicts, parsed, not run).
Screenshots go to tests/artifacts/walk_<page>_<lang>_<w>x<h>.png.
"""
from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
PAGES = [
    ("map", "", ""), ("outfalls", "outfalls", ""), ("outfall", "outfall", "code=PT-0012"),
    ("sections", "sections", ""), ("section", "sections", "code=PTDM007"), ("plots", "plots", ""),
    ("plot", "plots", "code=PTDK-001"), ("dust", "dust", ""), ("import", "import", ""), ("settings", "settings", ""),
]
SIZES = [(1366, 768), (390, 844)]
TABLES = {  # file -> names of its text tables ({key: {"zh", "en"}} or {key: (zh, en)})
    "gislib/i18n.py": ["TEXT"], "views/outfall_view.py": ["TEXT"], "views/outfalls_view.py": ["TEXT"],
    "views/sections_view.py": ["TEXT"], "views/plots_view.py": ["TEXT", "FIELD_LABELS"],
    "views/dust_view.py": ["TEXT"],
}
STREAMLIT_ENGLISH = ["Choose options", "Choose an option", "Upload", "Browse files", "Drag and drop file here",
                     "Drag and drop files here", "No options to select.", "use YYYY-MM-DD"]
STREAMLIT_ENGLISH_RE = re.compile(r"\d+\s?MB per file|use YYYY-MM-DD")
VISIBLE_TEXTS_JS = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walk.nextNode())) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || el.closest('script,style,[aria-hidden="true"]')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || parseFloat(cs.fontSize) === 0) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    out.push(text);
  }
  return out;
}"""
SHAPE_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return [!!document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSpinner"]'),
          main ? main.querySelectorAll('*').length : 0, main ? main.innerText.length : 0,
          document.querySelectorAll('[data-testid="stSkeleton"]').length];
}"""
OVERFLOW_JS = """() => {
  const boxes = [document.documentElement, document.querySelector('[data-testid="stMain"]'),
                 document.querySelector('[data-testid="stAppViewContainer"]')];
  return boxes.filter(Boolean).map(e => [e.getAttribute('data-testid') || 'document', e.scrollWidth,
                                          e === document.documentElement ? window.innerWidth : e.clientWidth]);
}"""


def _pairs(node: ast.AST):
    """(zh, en) pairs of a literal text table."""
    table = ast.literal_eval(node)
    for value in table.values():
        zh, en = (value.get("zh"), value.get("en")) if isinstance(value, dict) else value
        if zh and en and zh != en:
            yield zh, en


def ui_strings() -> tuple[set[str], set[str]]:
    """The app's own Chinese and English UI strings (no format placeholders)."""
    zh_all, en_all = set(), set()
    for rel, names in TABLES.items():
        tree = ast.parse((REPO / rel).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) else []
            if any(isinstance(t, ast.Name) and t.id in names for t in targets) and node.value is not None:
                for zh, en in _pairs(node.value):
                    if "{" not in zh:
                        zh_all.add(zh.strip())
                    if "{" not in en:
                        en_all.add(en.strip())
    return zh_all - en_all, en_all - zh_all


def settle(rp, timeout_s: float = 120) -> None:
    """Wait until the script run is over and the page has stopped changing for 2 s (charts and
    maps draw after the run; cold caches make the first run of a page slow)."""
    deadline = time.time() + timeout_s
    last, stable = None, 0
    while time.time() < deadline and stable < 4:
        rp.page.wait_for_timeout(500)
        now = rp.page.evaluate(SHAPE_JS)
        stable = stable + 1 if now == last and not now[0] else 0
        last = now
    rp.wait_idle(timeout_s=30)


def problems_on(rp, lang: str, zh_ui: set[str], en_ui: set[str]) -> list[str]:
    found = []
    n_exc = rp.page.locator('[data-testid="stException"]').count()
    if n_exc:
        found.append(f"{n_exc} exception box(es): " + rp.page.locator('[data-testid="stException"]').first.inner_text()[:300])
    dialog = rp.page.locator('[role="dialog"]')
    if dialog.count() and dialog.first.is_visible():
        found.append(f"dialog: {dialog.first.inner_text()[:200]}")
    texts = rp.page.evaluate(VISIBLE_TEXTS_JS)
    if lang == "en":
        found += [f"Chinese UI text in English: {t!r}" for t in texts if t in zh_ui]
    else:
        found += [f"English UI text in Chinese: {t!r}" for t in texts
                  if t in en_ui or t in STREAMLIT_ENGLISH or STREAMLIT_ENGLISH_RE.search(t)]
    for name, scroll, width in rp.page.evaluate(OVERFLOW_JS):
        if scroll > width + 1:
            found.append(f"horizontal overflow of {name}: {scroll} px content in {width} px")
    return found


def test_ui_string_tables_are_found():
    """The walk below is only as good as its string lists: they must hold the pages' texts."""
    zh_ui, en_ui = ui_strings()
    assert {"一口一档", "排口台账", "断面水质", "工地扬尘", "地块名录"} <= zh_ui
    assert {"Outfall file", "Water-quality sections", "Construction dust"} <= en_ui


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width,height", SIZES)
def test_walk_every_page(app_url, new_page, artifacts, lang, width, height):
    """Every page, at this size and in this language: no exception box, no untranslated label, no
    horizontal overflow; a screenshot of each."""
    zh_ui, en_ui = ui_strings()
    rp = new_page(width, height)
    report = {}
    for name, path, query in PAGES:
        url = f"{app_url}/{path}?lang={lang}" + (f"&{query}" if query else "")
        rp.page.goto(url)
        rp.page.locator('[data-testid="stMain"] h1, [data-testid="stMain"] h3').first.wait_for(timeout=90000)
        settle(rp)
        rp.page.screenshot(path=str(artifacts / f"walk_{name}_{lang}_{width}x{height}.png"))
        problems = problems_on(rp, lang, zh_ui, en_ui)
        if problems:
            report[name] = problems
    assert not report, "\n".join(f"{page}: {p}" for page, probs in report.items() for p in probs)
    assert rp.external_requests() == [], rp.external_requests()
