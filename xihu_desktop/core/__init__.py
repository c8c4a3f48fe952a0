"""Domain core: categories and field declarations, validation, scoring, catalogue.

Plain Python; never imports Qt (tests/test_layers.py checks).
"""
