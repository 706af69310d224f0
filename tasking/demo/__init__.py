"""A ready demo: a region, two municipalities, people and a plan under way."""
