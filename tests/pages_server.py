"""The app and the real server the page tests use.

``app()`` is the pages on a FastAPI app with ``app.state.served`` set as the server sets
it; ``Server`` runs a real server process on 127.0.0.1 at a free port and stops it (a
test run never leaves it behind: it is killed at the end, and it exits by itself after
``LIFETIME`` seconds whatever happens to the test process).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

import jknrules

from .conftest import POLICY_DIR, ROOT

#: A server process ends itself after this many seconds.
LIFETIME = 600

fastapi = pytest.importorskip("fastapi", reason="the serve extra (fastapi) is not installed")


@dataclass(frozen=True)
class Served:
    policies: jknrules.PolicySet
    folder: Path


def app(policies: jknrules.PolicySet | None = None) -> fastapi.FastAPI:
    """The pages on an app that holds ``policies`` (default: the shipped ones)."""
    from jknrules.serve import pages

    made = fastapi.FastAPI()
    made.state.served = Served(policies or jknrules.load_policies(POLICY_DIR), POLICY_DIR)
    made.include_router(pages.router)
    return made


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


#: Run by the server process: the pages app under uvicorn, ended by a timer.
_SERVE = """
import sys, threading, os, uvicorn
sys.path.insert(0, {root!r})
from tests.pages_server import app
threading.Timer({lifetime}, lambda: os._exit(0)).start()
uvicorn.run(app(), host="127.0.0.1", port={port}, log_level="warning")
"""


class Server:
    """A real HTTP server on loopback, for the browser."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        code = _SERVE.format(root=str(ROOT), lifetime=LIFETIME, port=self.port)
        self.process = subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                out = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"the server stopped at start:\n{out}")
            try:
                with urllib.request.urlopen(self.url + "/aset/pages.css", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not answer within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
