"""Frozen entry point of the command line (xihu)."""

import multiprocessing
import sys

from xihu_desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # first: a worker process (batch PDF export) stops here
    sys.exit(main())
