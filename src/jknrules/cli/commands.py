"""The CLI's commands, one module each.

A command module defines ``NAME``, ``HELP``, ``configure(parser)`` (adds its
arguments) and ``run(args, out, err) -> int`` (the exit code). It raises
:class:`~jknrules.errors.JknrulesError` for bad input; ``cli.main`` turns that
into a located message and exit code 2. Register it in ``MODULES`` below.
"""

from __future__ import annotations

import argparse
from importlib import import_module
from types import ModuleType
from typing import Protocol, TextIO

#: Module names under ``jknrules.cli.commands``, in the order ``--help`` lists them.
MODULES: tuple[str, ...] = ("evaluate", "validate", "schema", "check", "test", "history",
                           "diff", "render", "replay", "bundle", "batch", "serve", "track")


class Command(Protocol):
    NAME: str
    HELP: str

    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int: ...


def load_all() -> list[ModuleType]:
    return [import_module(f"jknrules.cli.{name}") for name in MODULES]
