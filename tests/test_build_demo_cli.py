"""``build-demo``: which sets are built, and ``--seed-only`` keeps a shared GeoPackage as it is."""
from __future__ import annotations

import argparse

import pytest

import cli.build_demo as build_demo


@pytest.fixture()
def calls(monkeypatch):
    done: list[str] = []
    import gislib.demo.build as build
    import gislib.geo.basemap as basemap
    from gislib.services import catalog

    for name in ("build_basin", "build_city", "build_putuo"):
        monkeypatch.setattr(build, name, lambda *a, _n=name, **k: done.append(_n))
    monkeypatch.setattr(basemap, "build_basemap", lambda name: done.append(f"basemap {name}"))
    monkeypatch.setattr(catalog, "build_seed_store", lambda name, progress=None: done.append(f"seed {name}") or name)
    monkeypatch.setattr(build_demo, "seed_derived_layers", lambda name: done.append(f"judged {name}") or ["outfalls"])
    return done


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    build_demo.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_basin_writes_its_seed_store_like_the_city(calls, monkeypatch):
    from gislib.geo.basemap import SPECS

    monkeypatch.setattr(type(SPECS["basin"].cog_path), "exists", lambda self: True)
    assert build_demo.run(_args("--basin")) == 0
    assert calls == ["build_basin", "seed basin", "judged basin"]  # the city basemap is shared


def test_seed_only_keeps_the_geopackage_and_the_basemap(calls):
    assert build_demo.run(_args("--basin", "--seed-only")) == 0
    assert calls == ["seed basin", "judged basin"]
    calls.clear()
    assert build_demo.run(_args("--only-city", "--seed-only")) == 0
    assert calls == ["seed city", "judged city"]


def test_the_default_build_is_unchanged(calls):
    assert build_demo.run(_args("--city")) == 0
    assert calls == ["build_putuo", "build_city", "seed putuo", "judged putuo", "seed city", "judged city",
                     "basemap putuo", "basemap city"]
