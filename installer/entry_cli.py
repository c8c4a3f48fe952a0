"""Frozen entry point of the command line (xihu)."""

import sys

from xihu_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
