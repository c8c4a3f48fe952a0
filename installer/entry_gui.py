"""Frozen entry point of the windowed application (xihu-desktop)."""

import multiprocessing
import sys

from xihu_desktop.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # first: a worker process (batch PDF export) stops here
    sys.exit(main())
