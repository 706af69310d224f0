"""Dashboards: a plan's progress for council, the region side by side, indicators."""
