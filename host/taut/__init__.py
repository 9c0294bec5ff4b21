"""Taut: a resistance band turned into a measuring instrument (host toolkit)."""

__version__ = "0.1.0"
