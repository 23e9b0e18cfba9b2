"""gislib.auth.demo: the demo accounts of the Putuo data set (passwords shown in README and docs/auth.md).

They are marked ``demo=1``: ``Accounts.login`` refuses them unless HETU_DATASET is a demo data set
(putuo or city), and ``create_demo_accounts`` refuses to create them anywhere else. The rivers are
real Putuo rivers (layer ``rivers`` of data/geo/putuo.gpkg).
"""
from __future__ import annotations

from pathlib import Path

from gislib.auth.accounts import DEMO_DATASETS, Accounts
from gislib.auth.permissions import User
from gislib.errors import ConfigError

# name -> (role, display name, rivers, sub-districts, password)
DEMO_ACCOUNTS: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...], str]] = {
    "admin.demo": ("admin", "演示管理员", (), (), "Hetu#Admin2026"),
    "officer.demo": ("officer", "演示业务人员", (), (), "Hetu#Officer2026"),
    "viewer.demo": ("viewer", "演示查看者", (), (), "Hetu#Viewer2026"),
    "chief.taopu": ("river_chief", "桃浦河河长（演示）", ("桃浦河",), (), "Hetu#Chief2026"),
    "chief.zhenru": ("river_chief", "真如港河长（演示）", ("真如港",), (), "Hetu#Chief2026"),
    "chief.mudu": ("river_chief", "木渎港河长（演示）", ("木渎港",), (), "Hetu#Chief2026"),
}


def create_demo_accounts(accounts: Accounts, by: str = "cli:build-demo") -> list[User]:
    """Create the demo accounts that do not exist yet (demo data sets only); return those created."""
    if accounts.settings.dataset not in DEMO_DATASETS:
        raise ConfigError("error.demo_dataset", setting="HETU_DATASET", dataset=accounts.settings.dataset,
                          datasets=list(DEMO_DATASETS))
    existing = {u.name for u in accounts.users()}
    created = []
    for name, (role, display, rivers, subdistricts, password) in DEMO_ACCOUNTS.items():
        if name not in existing:
            created.append(accounts.create(name, password, role, by, display_name=display, rivers=rivers,
                                           subdistricts=subdistricts, must_change_password=False, demo=True))
    return created


def adopt_demo_accounts(accounts: Accounts, seed: Path) -> int:
    """A fresh demo deployment whose accounts are kept apart from the data set's store (the city set keeps
    its records in a sub-folder): copy the demo accounts of the set's seed store, hashed when it was built,
    instead of hashing six passwords on the first visit. Only into an account store without users; returns
    how many were copied (0: create them with :func:`create_demo_accounts`)."""
    if accounts.settings.dataset not in DEMO_DATASETS:
        return 0
    return accounts.copy_demo_users(seed)
