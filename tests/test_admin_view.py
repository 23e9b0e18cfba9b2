"""The 用户管理 page under AppTest: only admins get in; an admin creates a user (a weak password is refused and
nothing is created), and every action lands in the audit shown on the page."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit.testing.v1")
from streamlit.testing.v1 import AppTest  # noqa: E402

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "admin_view.py")


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HETU_DATASET", "putuo")


def _page(login: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["test_login"] = login
    return at.run()


def test_an_officer_is_refused(tmp_path):
    at = _page("officer.demo")
    assert not at.exception
    assert any("无权管理用户" in e.value for e in at.error)
    assert not at.dataframe and not at.button


def test_an_admin_creates_a_user_and_a_weak_password_is_refused(tmp_path):
    from gislib.auth import Accounts

    at = _page("admin.demo")
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="new_name").input("li.si")
    at.selectbox(key="new_role").select("river_chief")
    at.multiselect(key="new_rivers").select("桃浦河")
    at.text_input(key="new_password").input("short")
    at.button[0].click()  # the form's submit button is the first button of the page
    at.run()
    assert any("10" in e.value for e in at.error), [e.value for e in at.error]
    with Accounts(tmp_path) as accounts:
        assert accounts.find("li.si") is None
    at.text_input(key="new_password").input("Tao#Pu-River2026")
    at.button[0].click()
    at.run()
    assert not at.exception and any("li.si" in s.value for s in at.success)
    with Accounts(tmp_path) as accounts:
        user = accounts.get("li.si")
        assert (user.role, user.rivers, user.must_change_password) == ("river_chief", ("桃浦河",), True)
        event = accounts.events("li.si")[0]
        assert (event["action"], event["actor"]) == ("user_created", "admin.demo")
    assert any("创建用户" in str(df.value.values.tolist()) for df in at.dataframe)


def test_an_admin_draws_saves_and_clears_a_users_extent(tmp_path):
    """The extent drawn by clicking corners on the map (here put in the page's drawing state, as the map's
    clicks would) is saved, validated, shown and audited; a click-less save is refused; clearing removes it."""
    from gislib.auth import Accounts

    at = _page("admin.demo")
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="edit_user").select("chief.taopu")
    at.run()
    assert any("没有绘制的辖区范围" in c.value for c in at.caption)
    at.button(key="extent_save_chief.taopu").click()
    at.run()
    assert any("至少点击 3 个" in e.value for e in at.error)
    corners = [(121.40, 31.25), (121.42, 31.25), (121.42, 31.27), (121.40, 31.27)]
    at.session_state["extent_pts_chief.taopu"] = list(corners)
    at.run()
    assert any("已点 4 个" in c.value for c in at.caption)
    at.button(key="extent_save_chief.taopu").click()
    at.run()
    assert not at.exception and any("辖区范围" in s.value for s in at.success), [e.value for e in at.error]
    with Accounts(tmp_path) as accounts:
        user = accounts.get("chief.taopu")
        assert user.extent.startswith("POLYGON ((121.4 31.25") and user.rivers == ("桃浦河",)
        event = accounts.events("chief.taopu")[-1]
        assert (event["action"], event["actor"], event["detail"]["old"]["extent"]) == ("role_changed", "admin.demo", "")
        assert event["detail"]["new"]["extent"] == user.extent
    assert any("4 个顶点" in c.value for c in at.caption)
    at.button(key="extent_clear_chief.taopu").click()
    at.run()
    assert not at.exception
    with Accounts(tmp_path) as accounts:
        assert accounts.get("chief.taopu").extent == ""
