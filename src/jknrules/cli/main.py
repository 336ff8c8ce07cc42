"""The command line: ``main(argv, stdout, stderr, stdin) -> int``; each command is a module
of this package, listed in :mod:`jknrules.cli.commands`.

Exit codes: 0 a decision was made (whatever it is) / the input is valid / no findings /
no semantic change (``diff``); 1 findings (``check``, ``test``, ``replay``) or a semantic
change (``diff``, like diff(1)); 2 invalid input (case or policy), with a located message
on stderr; 3 an internal error (a bug: please report it). From the console script only:
141 when the reader of stdout went away (``jknrules render karangasem | head -1``), quietly,
as a command stopped by SIGPIPE.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from jknrules import __version__
from jknrules.cli import commands
from jknrules.cli.common import EXIT_INTERNAL, EXIT_INVALID, report
from jknrules.errors import CaseError, JknrulesError
from jknrules.load.reader import BoundedText

_HELP = "tampilkan bantuan ini / show this help"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jknrules", add_help=False,
        description="Evaluasi kasus pendaftaran JKN terhadap kebijakan kabupaten yang berversi. / "
        "Evaluate JKN enrollment cases against versioned regency policies.",
    )
    parser.add_argument("-h", "--help", action="help", help=_HELP)
    parser.add_argument("--version", action="version", version=f"jknrules {__version__}",
                        help="tampilkan versi program / show the program's version")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                title="perintah / commands")
    for module in commands.load_all():
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP,
                                 add_help=False)
        command.add_argument("-h", "--help", action="help", help=_HELP)
        module.configure(command)
        command.set_defaults(command_module=module)
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """Run the CLI; ``stdin`` is read for ``evaluate -`` (default: the process's stdin)."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0)
    # read with a bound: ``evaluate - < /dev/zero`` stops at the size limit (JKN-Y006)
    args.stdin = BoundedText(stdin if stdin is not None else sys.stdin, "<stdin>", CaseError)
    lang = getattr(args, "lang", "id")
    try:
        return int(args.command_module.run(args, out, err))
    except BrokenPipeError:  # the reader of stdout went away: not a bug (console_main)
        raise
    except JknrulesError as exc:
        err.write(report(exc, lang))
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback
        if os.environ.get("JKNRULES_DEBUG"):
            raise
        err.write(f"jknrules: kesalahan internal / internal error: {type(exc).__name__}: {exc}\n"
                  "Laporkan ini sebagai bug (set JKNRULES_DEBUG=1 for a traceback).\n")
        return EXIT_INTERNAL


#: Exit code when stdout is a closed pipe: 128 + SIGPIPE, as a shell reports a command
#: stopped by it (``yes | head -1``).
EXIT_BROKEN_PIPE = 141


def console_main() -> None:
    """The ``jknrules`` console script (and ``python -m jknrules``)."""
    try:
        code = main()
        sys.stdout.flush()  # inside the try: a closed pipe may only show at this flush
    except BrokenPipeError:
        # Nothing more can reach the reader. Point stdout at the null device so that the
        # interpreter's own flush at exit does not fail again and print a message.
        devnull = os.open(os.devnull, os.O_WRONLY)
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_BROKEN_PIPE)
    sys.exit(code)
