"""The weekly check-in: rounds, the update page, the coordinator's view."""
