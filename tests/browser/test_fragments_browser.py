"""Issue 18: the map and its side panel are a fragment, so a click on the map updates the key facts
without rerunning the page (header, search, layer drawer); the page counts its own full runs in a
hidden marker (``#hetu-page-runs``) that the fragment does not touch."""
from __future__ import annotations

from tests.browser.test_map_browser import open_map

RUNS = "() => +document.querySelector('#hetu-page-runs').dataset.runs"
CODE = "() => performance.getEntriesByType('resource').map(e => e.name.split('/').pop())"  # files fetched


def test_a_click_on_the_map_updates_the_panel_without_a_page_rerun(app_url, new_page, artifacts):
    rp, frame = open_map(app_url, new_page)
    rp.page.wait_for_function("() => document.querySelector('#hetu-page-runs')")
    before = rp.page.evaluate(RUNS)
    # what the click shows needs no element code fetched after it: the record link's is loaded once the map
    # has drawn, and the key facts are markdown (st.table's code and its Arrow libraries came with the click)
    rp.page.wait_for_function(CODE + ".some(n => n.startsWith('PageLink.'))", timeout=30000)
    fetched = set(rp.page.evaluate(CODE))
    rp.click_outfall(frame)
    facts = rp.page.locator("[data-testid='stMarkdownContainer'] table").filter(has_text="受纳水体").first
    facts.wait_for(timeout=30000)
    rp.wait_idle()
    code = rp.page.locator("a[href*='code=']").first.get_attribute("href").split("code=")[1]
    assert code.startswith("PT-")  # the panel shows the clicked outfall's facts and its record link
    assert rp.page.evaluate(RUNS) == before, "the click reran the whole page"
    after = [n for n in rp.page.evaluate(CODE) if n not in fetched and n.endswith(".js")]
    assert not any(n.startswith(("Table.", "PageLink.")) for n in after), after
    rp.page.screenshot(path=str(artifacts / "map_fragment_click.png"))
    assert rp.external_requests() == []
