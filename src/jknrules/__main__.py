"""``python -m jknrules``: the same command line as the ``jknrules`` script."""

from jknrules.cli.main import console_main

if __name__ == "__main__":
    console_main()
