"""gislib.messages: the message catalog of Hetu — every UI, report and error text, keyed, in zh and en.

One module per area; each holds ``MESSAGES = {key: (zh, en)}`` with keys prefixed by the area
(``outfall.…``, ``plots.…``, ``error.…``). Texts may hold ``{name}`` fields that ``gislib.i18n.t``
fills. ``enums`` holds the English labels of the domain enumerations. Read through gislib.i18n.
"""
from __future__ import annotations

from importlib import import_module

from gislib.messages.enums import ENUMS, EN_TERMS

AREAS = ("common", "mappage", "outfalls", "outfall", "sections", "plots", "dust", "importer", "export",
         "patrols", "problems", "rankings", "settings", "reports", "errors", "layers", "admin", "login",
         # the errors of each folder of gislib, and of layers/ (error.… keys)
         "errors_io", "errors_water", "errors_soil", "errors_dust", "errors_geo", "errors_reports",
         "errors_problems", "errors_core", "errors_store", "errors_layers", "errors_auth", "errors_services", "errors_cli")


def _load() -> dict[str, tuple[str, str]]:
    catalog: dict[str, tuple[str, str]] = {}
    for area in AREAS:
        for key, entry in import_module(f"gislib.messages.{area}").MESSAGES.items():
            if key in catalog:
                raise RuntimeError(f"message key {key!r} is defined twice (second time in gislib/messages/{area}.py)")
            catalog[key] = entry
    return catalog


CATALOG: dict[str, tuple[str, str]] = _load()

__all__ = ["AREAS", "CATALOG", "ENUMS", "EN_TERMS"]
