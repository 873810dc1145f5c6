"""Scheduled batch exchange through a watched folder of CSV/xlsx files."""
