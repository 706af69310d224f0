"""Law 25 (Québec, A-2.1): a person's data export (access and portability)
and the retention of deactivated accounts' personal data (pseudonymisation)."""
