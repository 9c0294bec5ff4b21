"""Sharing a session or your progress: FIT export, HTML report, small SVG charts."""
