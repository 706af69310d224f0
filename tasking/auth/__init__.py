"""Sign-in, sign-out, password reset and invitations."""
