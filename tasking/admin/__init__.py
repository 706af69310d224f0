"""Organisation administration: members, roles, invitations."""
