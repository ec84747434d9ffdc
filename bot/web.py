"""Starlette routes `/telegram`, `/whatsapp`, `/healthz`, each handing off to its channel adapter."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

log = logging.getLogger(__name__)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def on_error(request: Request, exc: Exception) -> Response:
    # The one catch-all of the web entry point: log with the traceback, tell the caller nothing.
    log.error("unhandled error on %s", request.url.path, exc_info=exc)
    return JSONResponse({"error": "internal"}, status_code=500)


def build_web(routes: Sequence[BaseRoute]) -> Starlette:
    """Return the ASGI app: the channels' routes plus /healthz."""
    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"]), *routes],
                     exception_handlers={Exception: on_error})


class Server(uvicorn.Server):
    """uvicorn without its own signal handling: `siaga run` owns SIGTERM/SIGINT and stops channels in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def make_server(app: Starlette, host: str, port: int) -> Server:
    """Return a uvicorn server for the app, quiet access log (it would log client addresses)."""
    # httptools (C) parses HTTP instead of h11 (pure Python, ~25 % of a WhatsApp webhook's CPU in the profile).
    return Server(uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning",
                                 lifespan="off", http="httptools"))
