"""Pieces every feature uses: time, htmx, permissions, template helpers."""
