"""Pure rules: the plan's schema, the calendar, the life cycle, what is due, statuses, scores, and the words people
read. No database, no network."""
