"""The command line: ``main(argv, stdout, stderr) -> int``, one module per command."""

from jknrules.cli.main import console_main, main

__all__ = ["console_main", "main"]
