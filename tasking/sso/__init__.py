"""Single sign-on with an organisation's OpenID Connect provider (Microsoft
Entra ID, or any standard provider)."""
