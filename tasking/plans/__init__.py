"""Plans: the template as data, importing it, and the plan page."""
