"""Alerts: rules with configurable thresholds, deduplicated alert instances, routing of
notifications by role and location, and their delivery through the transactional outbox."""
