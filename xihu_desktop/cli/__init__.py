"""The command line ``xihu``: the same core and store as the window, no Qt.

Errors go to stderr as one Chinese sentence with a non-zero exit code: 1 for a
problem found (check, verify), 2 for bad input or an unusable file.

``main.py`` holds the parser and the entry point, ``session.py`` who acts on which
data file; the commands are grouped by subject: ``datafile`` (init, check, backup,
restore, unlock, units), ``users``, ``exchange`` (Excel, PDF, verify, audit) and
``catalogue`` (catalogue, plan-add).
"""

from .main import build_parser, main
from .session import PASSWORD_ENV, CliError, Session
from .users import NEW_PASSWORD_ENV

__all__ = ["NEW_PASSWORD_ENV", "PASSWORD_ENV", "CliError", "Session", "build_parser", "main"]
