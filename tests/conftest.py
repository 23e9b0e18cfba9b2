"""Shared pytest fixtures: a private data directory, and the real app in a real browser.

Browser tests (``tests/browser/``) start ``streamlit run app.py`` on a free localhost port with a
fresh HETU_DATA_DIR, drive Debian's Chromium through Playwright, record every request and fail
if one leaves localhost. Screenshots go to ``tests/artifacts/``.

Logins (issue 16): the app shows only its login page until someone logs in. ``new_page`` logs in as
``officer.demo`` (the demo officer: reads and edits the whole district) unless a test asks for
another account (``new_page(390, 844, user="chief.taopu")``) or for none (``user=None``, to drive the
login page itself). It does so through the real login service (``Accounts.login`` then
``start_session``) and hands the browser the session cookie, as the login page would. AppTest tests
get a logged-in session the same way (``_apptest_login``): ``officer.demo`` unless the test sets
``at.session_state["test_login"] = NAME`` before the first run.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

DEFAULT_LOGIN = "officer.demo"
SESSION_COOKIE = "hetu_session"
# No background map warm-up inside the test process (AppTest runs many data sets and environments in one
# process); the real app servers the browser tests start do warm up (start_app sets it back).
os.environ["HETU_WARM_UP"] = "0"
TEST_ROUNDS = 4  # bcrypt cost of the test accounts (the app's default, 12, costs ~0.5 s per login)


def demo_accounts_of(data_dir, db_url: str | None = None):
    """The accounts of ``data_dir`` (of the PostGIS database ``db_url`` when given, else of HETU_DB_URL's
    when set: where the app keeps them) with the demo accounts present (cheap hashes, dataset putuo)."""
    import dataclasses

    from gislib.auth import Accounts
    from gislib.auth.demo import create_demo_accounts
    from gislib.config import load_settings

    accounts = Accounts(data_dir, settings=dataclasses.replace(load_settings(), dataset="putuo"),
                        rounds=TEST_ROUNDS, url=db_url)
    create_demo_accounts(accounts)
    return accounts


def login_as(data_dir, name: str, db_url: str | None = None):
    """``(User, session token)`` of a demo account of ``data_dir`` (or of the PostGIS ``db_url``), through
    the real login service."""
    from gislib.auth.demo import DEMO_ACCOUNTS

    with demo_accounts_of(data_dir, db_url) as accounts:
        user = accounts.login(name, DEMO_ACCOUNTS[name][4])
        return user, accounts.start_session(user)


@pytest.fixture(autouse=True)
def _apptest_login(monkeypatch):
    """AppTest runs of single pages get a logged-in user (app.py's gate is not part of them)."""
    try:  # imported once per test process (also for tests that import AppTest inside the test)
        from streamlit.testing.v1 import AppTest
    except ImportError:
        return

    from gislib.store import resolve_data_dir

    original = AppTest.run

    def run(self, *args, **kwargs):
        if "auth_user" not in self.session_state:
            name = self.session_state["test_login"] if "test_login" in self.session_state else DEFAULT_LOGIN
            user, token = login_as(resolve_data_dir(None), name)
            self.session_state["auth_user"] = user
            self.session_state["auth_token"] = token  # app.py resumes the session from it
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AppTest, "run", run)

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = os.environ.get("HETU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FIND_OUTFALL_JS = """() => {
  const map = window.map;
  let layer = null; map.eachLayer(l => { if (l._n && l.options && l.options.name === 'outfalls') layer = l; });
  if (!layer) return null;
  for (let i = 0; i < layer._n; i++) {
    const p = map.latLngToContainerPoint([layer._lat[i] * 1e-6, layer._lon[i] * 1e-6]);
    const s = map.getSize();
    if (p.x > 40 && p.y > 40 && p.x < s.x - 240 && p.y < s.y - 40 && layer._nearest(p) === i) return {x: p.x, y: p.y, i};
  }
  return null;
}"""
LOCAL_PREFIXES = ("http://localhost", "http://127.0.0.1", "ws://localhost", "ws://127.0.0.1",
                  "data:", "blob:", "about:")


def pytest_collection_modifyitems(config, items):
    """Real-browser tests drive a live Streamlit app on a shared 2-core machine: a click that lands during a
    rerun, or a cold first page, can miss once. Each browser test gets two more tries (pytest-rerunfailures);
    one that fails every time still fails the run, and every retry is reported in the summary."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.flaky(reruns=2, reruns_delay=2))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory) -> Path:
    """The HETU_DATA_DIR of the app under test (its record store, attachments, uploads)."""
    return tmp_path_factory.mktemp("hetu-data")


@contextlib.contextmanager
def start_app(data_dir: Path, dataset: str = "putuo", port: int | None = None, args: tuple[str, ...] = (),
              launch: tuple[str, ...] = ("-m", "streamlit", "run", "app.py"), ready_s: float = 60,
              **extra_env: str):
    """The real Hetu app on a free port (or ``port``) with its own data dir (``extra_env``: more variables;
    ``args``: more ``streamlit run`` options, e.g. ``--secrets.files``; ``launch``: how Python starts it, e.g.
    ``("scripts/serve.py",)``; ``ready_s``: how long it may take to answer). Its output goes to
    ``<data_dir>/streamlit.log``."""
    port = port or _free_port()
    env = {**os.environ, "HETU_DATA_DIR": str(data_dir), "HETU_DATASET": dataset, "HETU_WARM_UP": "1", **extra_env}
    # the demo accounts, before the app creates them at full cost (in its PostGIS database when it has one)
    demo_accounts_of(data_dir, extra_env.get("HETU_DB_URL")).close()
    log = open(data_dir / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, *launch, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", *args],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + ready_s
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {(data_dir / 'streamlit.log').read_text()[-2000:]}")
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError(f"the app did not answer its health check within {ready_s:.0f} s")
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def app_url(app_data_dir):
    """The real Hetu app, started once per test session on a free port with its own data dir."""
    with start_app(app_data_dir) as url:
        yield url


@pytest.fixture(scope="session")
def postgis_app_data_dir(tmp_path_factory) -> Path:
    """The data directory (attachments, uploads) of the app on PostGIS."""
    return tmp_path_factory.mktemp("hetu-pg-data")


@pytest.fixture(scope="session")
def postgis_app_db_url(postgis_url):
    """The HETU_DB_URL of the app on PostGIS: a fresh schema (records, accounts and login sessions)."""
    import uuid

    import psycopg

    schema = "app_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield pg_schema_url(postgis_url, schema)
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="session")
def app_url_postgis(postgis_app_db_url, postgis_app_data_dir):
    """The real Hetu app on PostGIS (HETU_DB_URL -> a fresh schema; attachments in its own data dir)."""
    data_dir, url = postgis_app_data_dir, postgis_app_db_url
    # seed the Putuo records before the app starts: this app is here for editing on PostGIS, not a cold start
    subprocess.run([sys.executable, "-c", f"from gislib.services import catalog; catalog.store({str(data_dir)!r}, 'putuo')"],
                   cwd=REPO, env={**os.environ, "HETU_DB_URL": url}, check=True, timeout=600)
    with start_app(data_dir, HETU_DB_URL=url) as app:
        yield app


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright (never a downloaded browser)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class RecordedPage:
    """A Playwright page that remembers every request and every console error."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)

    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(LOCAL_PREFIXES)]

    def map_frame(self, timeout_s: float = 120):
        """The map iframe (the map page's own frame, streamlit-folium's on other pages) once its map exists (the
        first page of a fresh clone builds and publishes every layer's files: allow a cold start on two busy
        cores)."""
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            for element in self.page.query_selector_all("iframe"):
                try:
                    frame = element.content_frame()
                    if frame and ("hetu_map" in frame.url or "streamlit_folium" in frame.url) and frame.evaluate(
                            "!!document.querySelector('.leaflet-container')"):
                        self.map_iframe = element
                        # the vector layers are added once the point layers have drawn (static/js/hetu-points.js)
                        frame.evaluate("async () => { if (window.__hetuGeoData) await window.__hetuGeoData; }")
                        return frame
                except Exception:  # the frame is navigating or was replaced
                    pass
            time.sleep(0.3)
        raise AssertionError("the map iframe did not appear")

    def stable_box(self, element, settle_s: float = 0.5, timeout_s: float = 10) -> dict:
        """The element's bounding box, scrolled fully into view, once the layout has stopped moving.

        (A click on a map that is partly below the fold scrolls the page between mouse-down and
        mouse-up, so the map must be entirely visible before clicking.)
        """
        element.evaluate("e => e.scrollIntoView({block: 'center'})")
        deadline = time.time() + timeout_s
        box = element.bounding_box()
        while time.time() < deadline:
            time.sleep(settle_s)
            again = element.bounding_box()
            if again == box:
                return box
            box = again
        return box

    def click_outfall(self, frame) -> dict:
        """Click the first outfall that is well inside the map (found from the canvas layer itself).

        Returns {x, y, i}: its position in the map and its index in the layer."""
        pos = frame.evaluate(FIND_OUTFALL_JS)
        assert pos is not None, "no outfall is drawn inside the map"
        box = self.stable_box(self.map_iframe)
        self.page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
        return pos

    def wait_idle(self, timeout_s: float = 45) -> None:
        """Wait until the Streamlit script has finished running (no status widget for 0.6 s)."""
        deadline = time.time() + timeout_s
        quiet = 0
        while time.time() < deadline and quiet < 2:
            running = self.page.evaluate("!!document.querySelector('[data-testid=\"stStatusWidget\"]')")
            quiet = 0 if running else quiet + 1
            time.sleep(0.3)

    def wait_for_text(self, text: str, timeout_ms: int = 30000) -> None:
        """Wait for ``text`` on the page, then for the script run that wrote it to finish."""
        self.page.get_by_text(text).first.wait_for(timeout=timeout_ms)
        self.wait_idle()


@pytest.fixture
def new_page(browser, app_url, app_data_dir):
    """Factory: ``new_page(width, height, user=DEFAULT_LOGIN)`` gives a RecordedPage logged in as
    ``user`` (None: not logged in); all are closed after the test."""
    pages = []

    def make(width: int = 1400, height: int = 900, user: str | None = DEFAULT_LOGIN,
             data_dir: Path | None = None, db_url: str | None = None) -> RecordedPage:
        """``data_dir``/``db_url``: the data directory / PostGIS database of another app started by the test
        (where its accounts and sessions are)."""
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
        if user:
            token = login_as(data_dir or app_data_dir, user, db_url)[1]
            context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": app_url}])
        rp = RecordedPage(context.new_page())
        rp.user = user
        pages.append(context)
        return rp

    yield make
    for c in pages:
        c.close()


# ---------------------------------------------------------------- store backends (issue 15)
# Store and service tests run on both backends: a module opts in with
# ``pytestmark = pytest.mark.usefixtures("db_backend")`` and every ``open_store()`` in its tests then
# opens SQLite (HETU_DB_URL unset) or PostGIS (HETU_DB_URL -> a fresh schema of the project's own
# server, started once per session by scripts/postgres.sh). A test about the SQLite file itself is
# marked ``sqlite_only``. Without a PostgreSQL server the postgis runs are skipped with the reason,
# except in CI (CI=true), where that is a failure.
PG_PORT = os.environ.get("HETU_PG_PORT", "55432")


def pytest_generate_tests(metafunc):
    if "db_backend" in metafunc.fixturenames:
        only_sqlite = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("db_backend", ["sqlite"] if only_sqlite else ["sqlite", "postgis"], indirect=True)


@pytest.fixture(scope="session")
def postgis_url() -> str:
    """The URL of the project's PostGIS server (scripts/postgres.sh start; idempotent)."""
    env = {**os.environ, "HETU_PG_PORT": PG_PORT}
    done = subprocess.run(["bash", "scripts/postgres.sh", "start"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        reason = f"PostgreSQL/PostGIS could not be started by scripts/postgres.sh: {done.stderr.strip()[-500:]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " (CI=true: the PostGIS backend must be tested)")
        pytest.skip(reason)
    return subprocess.run(["bash", "scripts/postgres.sh", "url"], cwd=REPO, env=env, capture_output=True,
                          text=True, check=True).stdout.strip()


def pg_schema_url(base_url: str, schema: str) -> str:
    """``base_url`` with every connection's search_path set to ``schema`` (then public, for PostGIS)."""
    return f"{base_url}?options=-csearch_path%3D{schema},public"


def fresh_schema(postgis_url: str):
    """A fresh, empty schema on the PostGIS server: yields its HETU_DB_URL, drops it after (a generator for
    fixtures: ``pg_schema``, and a second store's schema where a test needs two)."""
    import uuid

    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield pg_schema_url(postgis_url, schema)
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture()
def pg_schema(postgis_url):
    """A fresh, empty schema on the PostGIS server for one test: its HETU_DB_URL; dropped after."""
    yield from fresh_schema(postgis_url)


@pytest.fixture()
def db_backend(request, monkeypatch) -> str:
    """"sqlite" or "postgis": the backend that ``open_store()`` opens in this test."""
    if request.param == "sqlite":
        monkeypatch.delenv("HETU_DB_URL", raising=False)
    else:
        monkeypatch.setenv("HETU_DB_URL", request.getfixturevalue("pg_schema"))
    return request.param
