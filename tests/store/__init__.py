"""Tests of xihu_desktop.store (a package: test modules may share names with other folders)."""
