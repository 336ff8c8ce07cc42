"""Shared fixtures of the tracking tests: a store on SQLite (always) and on a real
PostgreSQL (the server .ci/postgres starts; its URL in $JKNRULES_TEST_PG_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_URL = os.environ.get("JKNRULES_TEST_PG_URL")


def fresh_pg_url() -> Iterator[str]:
    """A new, empty database on the test server; dropped afterwards."""
    if not PG_URL:
        pytest.skip("no PostgreSQL for the tests: run .ci/postgres and export JKNRULES_TEST_PG_URL")
    psycopg = pytest.importorskip("psycopg", reason="psycopg (the track extra) is not installed")
    name = "jkn_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "track.db")
    else:
        yield from fresh_pg_url()
