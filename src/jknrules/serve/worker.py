"""The app factory of a worker process (``jknrules serve --workers N``): the
configuration comes from :data:`~jknrules.serve.config.CONFIG_ENV`, set by the CLI."""

from __future__ import annotations

from fastapi import FastAPI

from jknrules.serve.app import create_app
from jknrules.serve.config import from_env


def app() -> FastAPI:
    return create_app(from_env())
