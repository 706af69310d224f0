"""Tasks: editing, moving, commenting, measuring — the services every view shares."""
