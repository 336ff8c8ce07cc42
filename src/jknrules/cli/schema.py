"""``jknrules schema NAME``: print a JSON Schema (policy, case, result, diff, record)."""

from __future__ import annotations

import argparse
from typing import TextIO

from jknrules.cli.common import EXIT_OK
from jknrules.language import schemas

NAME = "schema"
HELP = "cetak JSON Schema / print a JSON Schema (policy, case, result, diff, record)"


def configure(sc: argparse.ArgumentParser) -> None:
    sc.add_argument("name", choices=tuple(schemas.MODELS),
                    help="skema yang dicetak / the schema to print")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(schemas.schema_text(args.name))
    return EXIT_OK
