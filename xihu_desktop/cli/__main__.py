"""``python -m xihu_desktop.cli``."""

import sys

from .main import main

sys.exit(main())
