"""My tasks: the signed-in person's own page, and their home after sign-in."""
