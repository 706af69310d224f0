"""Law 25 duties of an organisation: its confidentiality incident register,
and its privacy notice, shown at first sign-in and acknowledged."""
