"""The app and the real server the page tests use.

``app()`` is the server's own app (``jknrules.serve.app.create_app``) with its pages;
``Server`` runs ``jknrules serve`` on 127.0.0.1 at a free port and stops it (a test run
never leaves it behind: it is stopped at the end, and ``timeout`` ends it after
``LIFETIME`` seconds whatever happens to the test process).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import POLICY_DIR, ROOT

#: A server process ends itself after this many seconds.
LIFETIME = 600

fastapi = pytest.importorskip("fastapi", reason="the serve extra (fastapi) is not installed")


def app(policies: Path = POLICY_DIR, **config: object) -> fastapi.FastAPI:
    """The server's app, serving the policy folder ``policies``."""
    from jknrules.serve.app import create_app
    from jknrules.serve.config import ServeConfig

    return create_app(ServeConfig(policies=policies, **config))  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``jknrules serve`` on loopback, for the browser."""

    def __init__(self, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "jknrules", "serve", "--policies", str(POLICY_DIR),
                   "--port", str(self.port), "--no-access-log", *options]
        stop = shutil.which("timeout")
        if stop is not None:
            command = [stop, str(LIFETIME), *command]
        # what the server says, shown if it fails to start; closed by stop()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server)
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=self.log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                out = self.log.read().decode(errors="replace")
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
        self.log.close()
