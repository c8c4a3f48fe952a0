"""Frozen entry point of the windowed application (xihu-desktop)."""

import sys

from xihu_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
