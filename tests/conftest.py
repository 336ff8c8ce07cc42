from __future__ import annotations

from pathlib import Path

import pytest

import jknrules

ROOT = Path(__file__).resolve().parents[1]
POLICY_DIR = ROOT / "policies"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def policies() -> jknrules.PolicySet:
    return jknrules.load_policies(POLICY_DIR)
