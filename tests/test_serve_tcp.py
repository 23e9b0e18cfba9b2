"""The server sends a response's small writes at once (``scripts/serve.py`` ``send_small_writes_at_once``).

Streamlit 1.67's own listening socket has protocol number 0, so asyncio leaves Nagle's algorithm on for the
connections it accepts, and on a kept-alive connection each response's body waited for the browser's delayed ACK
(40 ms per file). These tests take Streamlit's real bind function, accept a real connection on it with asyncio, as
uvicorn does, and read ``TCP_NODELAY`` on the server's side of that connection."""
from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import socket
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _serve_module():
    spec = importlib.util.spec_from_file_location("hetu_serve", REPO / "scripts" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nodelay_of_accepted(bind) -> int:
    """Bind with ``bind``, accept one client through an asyncio server; the accepted socket's TCP_NODELAY."""
    async def run() -> int:
        seen: asyncio.Future = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        listener = bind("127.0.0.1", 0, 8)
        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        try:
            port = listener.getsockname()[1]
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            value = await asyncio.wait_for(seen, 10)
            writer.close()
            return value
        finally:
            server.close()
            await server.wait_closed()

    # in a thread of its own: the browser tests' Playwright keeps an event loop running in the main thread
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(run())).result(timeout=30)


def test_the_servers_connections_send_small_writes_at_once():
    from streamlit.web.server.starlette import starlette_server

    original = starlette_server._bind_socket
    try:
        assert _serve_module().send_small_writes_at_once()
        assert _nodelay_of_accepted(starlette_server._bind_socket) != 0
        listener = starlette_server._bind_socket("127.0.0.1", 0, 8)  # still what uvicorn needs of a listener
        assert listener.proto == socket.IPPROTO_TCP and not listener.getblocking() and listener.get_inheritable()
        listener.close()
    finally:
        starlette_server._bind_socket = original

