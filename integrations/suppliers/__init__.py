"""Supplier systems: purchase orders out as CSV/JSON, ship notices and tracking updates in."""
