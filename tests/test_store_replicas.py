"""Two app servers on one database: each sees the other's edit on its next rerun.

The app caches what it draws on ``catalog.version()`` (the store's revision on PostGIS). Process A
(one app server) reads a record and the version; process B (another server, a separate Python
process with its own connection) saves an edit; A's next rerun sees a new version, so its caches
reload, and reads B's edit. Run on PostGIS (the deployment of docs/deploy.md) and on SQLite.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gislib.services import catalog

pytestmark = pytest.mark.usefixtures("db_backend")
REPO = Path(__file__).resolve().parent.parent
OTHER_SERVER = """
import sys
from gislib.services import catalog
st = catalog.store(sys.argv[1], "putuo")
rec = st.get("outfalls", sys.argv[2])
st.update("outfalls", rec["code"], {"address": "另一台服务器改的地址"}, rec["version"], "officer_b")
"""


def test_a_second_server_sees_the_edit_on_its_next_rerun(tmp_path):
    folder = tmp_path / "shared"
    st = catalog.store(folder, "putuo")  # server A: the seeded Putuo store
    code = st.list("outfalls")[0]["code"]
    before = catalog.version(folder, "putuo")
    assert st.get("outfalls", code).get("address") != "另一台服务器改的地址"
    subprocess.run([sys.executable, "-c", OTHER_SERVER, str(folder), code], cwd=REPO, env=dict(os.environ),
                   check=True, timeout=300)
    assert catalog.version(folder, "putuo") != before  # A's caches key on it: they reload on the next rerun
    rec = st.get("outfalls", code)
    assert rec["address"] == "另一台服务器改的地址" and rec["updated_by"] == "officer_b"
    assert st.audit("outfalls", code)[0]["user"] == "officer_b"
