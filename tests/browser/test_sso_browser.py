"""Single sign-on against a real OpenID Connect provider (issue 16.1): ``oidc-provider-mock`` (PyPI) runs on
loopback as the bureau's provider, the real app is configured with ``[auth]`` secrets and a group mapping
(HETU_SSO_MAPPING), and a user logs in through ``st.login``: the provider's own authorization page, then back to
Hetu with the role and jurisdiction their groups map to. A user in no mapped group is told why and gets no page."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import _free_port, start_app

pytestmark = pytest.mark.browser

CHIEF = {"sub": "zhang.san", "preferred_username": "zhang.san", "name": "张三", "email": "zhang.san@example.org",
         "groups": ["chief-taopu"]}
STRANGER = {"sub": "li.si", "preferred_username": "li.si", "name": "李四", "email": "li.si@example.org",
            "groups": ["canteen"]}
MAPPING = {"name_claim": "preferred_username", "groups_claim": "groups",
           "groups": {"chief-taopu": {"role": "river_chief", "rivers": ["桃浦河"]}, "hetu-admin": {"role": "admin"}}}


@pytest.fixture(scope="module")
def provider():
    """The OIDC provider on a free loopback port, with the two users predefined."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port),
                             "--user-claims", json.dumps(CHIEF, ensure_ascii=False),
                             "--user-claims", json.dumps(STRANGER, ensure_ascii=False)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/.well-known/openid-configuration", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the OIDC provider did not start")
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def sso_app(provider, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hetu-sso")
    port = _free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "test-only-not-a-secret"\n'
        'client_id = "hetu"\nclient_secret = "hetu-test"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n', encoding="utf-8")
    mapping = folder / "sso.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    data_dir = folder / "data"
    data_dir.mkdir()
    with start_app(data_dir, port=port, args=("--secrets.files", str(secrets)), HETU_SSO_MAPPING=str(mapping)) as url:
        yield url, data_dir


def _sign_on(rp, url: str, sub: str) -> None:
    rp.page.goto(url)
    rp.page.get_by_role("button", name="使用单位统一身份认证登录").click()
    rp.page.locator(f"button[name='sub'][value='{sub}']").click(timeout=60000)  # the provider's own page


def test_a_chief_signs_on_through_the_provider_and_sees_only_their_river(sso_app, new_page, artifacts):
    url, data_dir = sso_app
    rp = new_page(390, 844, user=None)
    _sign_on(rp, url, "zhang.san")
    rp.page.get_by_text("张三").first.wait_for(timeout=90000)  # back in Hetu, logged in under their name
    rp.wait_idle()
    rp.page.goto(url + "/outfalls")
    rp.page.get_by_text("桃浦河").first.wait_for(timeout=90000)
    rp.wait_idle()
    text = rp.page.locator("[data-testid='stMain']").inner_text()
    assert "苏州河" not in text  # the ledger holds only 桃浦河's outfalls
    rp.page.screenshot(path=str(artifacts / "sso_chief_phone_ledger.png"), full_page=True)
    from conftest import demo_accounts_of  # the login is in the audit trail, by the provider's user name

    with demo_accounts_of(data_dir) as accounts:
        events = accounts.events("zhang.san")
    assert any(e["action"] == "login_ok" for e in events), events
    # nothing of Hetu's left the machine (the mock provider's own page asks a CDN for its stylesheet)
    assert [u for u in rp.external_requests() if "@picocss/pico" not in u] == []


def test_a_user_in_no_mapped_group_is_told_why_and_gets_no_page(sso_app, new_page, artifacts):
    url, _ = sso_app
    rp = new_page(1366, 768, user=None)
    _sign_on(rp, url, "li.si")
    rp.page.get_by_text("未为您分配角色").first.wait_for(timeout=90000)
    rp.page.get_by_role("button", name="退出统一身份认证").wait_for(timeout=30000)  # and a way out of that sign-on
    rp.wait_idle()
    assert rp.page.locator("[data-testid='stSidebarNav']").count() == 0  # no menu, no page
    rp.page.screenshot(path=str(artifacts / "sso_refused.png"))
