"""views.map_csp: a Content-Security-Policy for every map frame (streamlit-folium's and the map page's own).

streamlit-folium (0.27.x) renders a map into a component iframe that is same-origin with the app
(``allow-same-origin``): a script that ran in it could read the app page. Names are escaped
wherever they are drawn (gislib.safe_text); this policy is the second wall, should one escape ever
be missed. No server header can be set for that iframe, so the policy goes in as a
``<meta http-equiv="Content-Security-Policy">`` in the map's ``header``, which the component puts
into the frame's ``<head>`` before it runs the map script. From then on:

* ``script-src 'self' 'sha256-…' 'unsafe-eval'``: scripts from the app's own static files, plus the
  ONE inline script streamlit-folium appends (the map itself), allowed by its hash. No
  ``'unsafe-inline'``, so inline event handlers (``<img onerror=…>``) and injected inline scripts
  never run. ``'unsafe-eval'`` is unavoidable: the component ``eval``s the feature group it adds to a
  live map (the selection ring, a traced stretch).
* ``connect-src 'self'``: fetches (the canvas point files) only from the app, so nothing can be sent
  elsewhere; ``object-src 'none'``, ``base-uri 'none'``, ``form-action 'none'``.
  Images (basemap tiles, online basemaps chosen in 设置) and styles are not restricted.

The hash is of the exact script text the component builds (``script`` + its ``initComponent``
line), taken where the component is called, so it always matches the map being sent. The map page's own
frame (``views/map_frame/hetu-map-frame.js``) appends the same text and gets the same policy
(``views.map_component.show`` puts ``csp_meta`` into its header).
"""
from __future__ import annotations

import base64
import hashlib
import html
from functools import lru_cache

POLICY = ("script-src 'self' {hash} 'unsafe-eval'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
          "form-action 'none'")


@lru_cache(maxsize=16)  # the map page sends the same (rendered-once) script on every rerun: hash it once
def script_hash(script: str, return_on_hover: bool) -> str:
    """The CSP source of the inline script streamlit-folium's frontend appends (index.tsx, onRender)."""
    text = script + f"window.map = map_div; window.initComponent(map_div, {'true' if return_on_hover else 'false'});"
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def csp_meta(script: str, return_on_hover: bool = False) -> str:
    """The ``<meta>`` element carrying the policy for one map script."""
    policy = POLICY.format(hash=script_hash(script, return_on_hover))
    return f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy, quote=False)}">'


def install() -> None:
    """Wrap streamlit-folium's component call once, so every map on every page carries the policy."""
    import streamlit_folium

    inner = streamlit_folium._component_func
    if getattr(inner, "_hetu_csp", False):
        return

    def with_csp(*args, **kwargs):
        script = kwargs.get("script")
        if isinstance(script, str):
            kwargs["header"] = csp_meta(script, bool(kwargs.get("return_on_hover"))) + (kwargs.get("header") or "")
        return inner(*args, **kwargs)

    with_csp._hetu_csp = True
    streamlit_folium._component_func = with_csp
