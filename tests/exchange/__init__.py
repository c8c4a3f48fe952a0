"""Tests of xihu_desktop.exchange (a package: test modules may share names with other folders)."""
