"""Regions, organisations and user accounts."""
