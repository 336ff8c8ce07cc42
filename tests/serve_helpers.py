"""What the serve tests share: a client over a copy of the policies, cases, a free port."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from jknrules.serve.app import create_app
from jknrules.serve.config import ServeConfig

ROOT = Path(__file__).resolve().parents[1]
POLICY_DIR = ROOT / "policies"
CASE_FILE = ROOT / "examples" / "cases" / "karangasem-emergency.json"
CASE_TEXT = CASE_FILE.read_text(encoding="utf-8")
CASE: dict[str, Any] = json.loads(CASE_TEXT)
KEY = "k" * 20 + "-office-one"
OTHER_KEY = "z" * 20 + "-office-two"


def client(**options: Any) -> TestClient:
    options.setdefault("policies", POLICY_DIR)
    return TestClient(create_app(ServeConfig(**options)), raise_server_exceptions=False)


def copy_policies(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    for path in POLICY_DIR.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def error_codes(body: dict[str, Any]) -> list[str]:
    return [d["code"] for d in body["diagnostics"]]
