"""Start Hetu's server as a deployment does: ``python scripts/serve.py [streamlit run options]``.

Before the first visitor, in the server's own process:

1. the data set's record store is prepared (``gislib.services.catalog.prepare``): a fresh data directory gets the
   data set's ready-filled store attached, or is filled, and the demo problems and patrols are made: writes that
   must never happen on a visitor's request; and every map layer is read from the store and judged once
   (``layers.mapview.seed_layers``, kept on disk per data version; a seed store brings them along). The server
   answers only then;
2. the map page's default map is built in the background (``views.map_component.warm_up``: the layers read from the
   store and styled, the points packed, the page rendered, then the click index and the river network) while
   Streamlit starts and the first visitor logs in;
3. Streamlit serves ``app.py`` in this same process, so the pages find the modules imported and the map in memory.

Without it the first visitor of a fresh server waited for all of that (on PostGIS at 600,000 outfalls, 62 s for the
first map; at 60,000 on SQLite several seconds of imports and styling). ``HETU_WARM_UP=0`` leaves out step 2.
``scripts/run_app.sh`` and ``bench/bench_e2e.py`` start Hetu through here.
"""
from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    os.chdir(REPO)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from gislib.config import load_settings
    from gislib.services import catalog
    from gislib.store import resolve_data_dir

    settings = load_settings()
    dataset = settings.dataset
    t0 = time.monotonic()
    print(f"hetu: preparing the {dataset} store in {resolve_data_dir(None)}", flush=True)
    catalog.prepare()
    print(f"hetu: store ready in {time.monotonic() - t0:.1f} s", flush=True)
    if settings.warm_up:  # every layer read from the store and judged once, kept on disk per data version
        from layers.mapview import seed_layers

        t1 = time.monotonic()
        seed_layers(dataset)
        print(f"hetu: map layers read and judged in {time.monotonic() - t1:.1f} s", flush=True)
    send_small_writes_at_once()
    threading.Thread(target=_warm_up_when_serving, args=(str(resolve_data_dir(None)), dataset),
                     name="hetu-warm-up-start", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(REPO / "app.py"), *argv]
    return cli.main()


def send_small_writes_at_once() -> bool:
    """Turn Nagle's algorithm off on every connection the server accepts (``TCP_NODELAY``), as asyncio means to.

    Streamlit 1.67 binds its listening socket itself (``starlette_server._bind_socket``: ``socket.socket(family)``,
    protocol number 0). asyncio sets ``TCP_NODELAY`` only on sockets whose ``proto`` is ``IPPROTO_TCP``, and an
    accepted socket inherits the listener's 0, so Nagle stays on: on a kept-alive connection uvicorn writes a
    response's headers and then its body, the body waits for the browser's delayed ACK of the headers, and every
    file after a connection's first took 40 ms more (the ~70 scripts of Streamlit's page, the map frame's scripts,
    layers and tiles, six connections at a time: 0.49 s instead of 0.10 s for the page's scripts alone). The
    listener is handed back as the same file descriptor with ``proto`` read from the kernel (``IPPROTO_TCP``).
    Returns whether the bind function was found (a Streamlit without it binds through uvicorn, which is right)."""
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:
        return False
    bind = getattr(starlette_server, "_bind_socket", None)
    if bind is None or getattr(bind, "hetu_tcp", False):
        return bind is not None

    def _bind_socket(address: str, port: int, backlog: int) -> socket.socket:
        sock = bind(address, port, backlog)
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.setblocking(False)
        tcp.set_inheritable(True)
        return tcp

    _bind_socket.hetu_tcp = True
    starlette_server._bind_socket = _bind_socket
    return True


def _warm_up_when_serving(data_dir: str, dataset: str) -> None:
    """``warm_up`` once Streamlit's runtime exists (the pages' modules, ``views``, declare streamlit-folium's
    component when imported, and it is registered with the runtime)."""
    from streamlit.runtime import Runtime

    while not Runtime.exists():
        time.sleep(0.05)
    t1 = time.monotonic()
    import streamlit_folium

    from views.map_component import frame_component, warm_up

    # Streamlit registers a declared component only when it is declared inside a script run; first imported here,
    # the map frame and streamlit-folium's maps would not be served (404): register them with the runtime, as
    # their import in a page would
    registry = Runtime.instance().component_registry
    for component in (streamlit_folium._component_func, frame_component):
        if registry.get_component(component.name) is None:
            registry.register_component(component)

    # the same key the login page starts it with (views.login._accounts), so it runs once per process
    thread = warm_up(data_dir, dataset)
    if thread is not None:
        thread.join()
        print(f"hetu: default map, click index and river network ready in {time.monotonic() - t1:.1f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
