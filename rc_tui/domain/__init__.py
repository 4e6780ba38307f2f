"""Domain rules as plain Python (no terminal, no database): identity numbers, ages, duplicates,
consent, deadlines."""
