"""Operations: configuration check, SQLite backup, metrics, request logs."""
