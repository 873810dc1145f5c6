"""Audit trail: who changed what, when, from where; append-only."""
