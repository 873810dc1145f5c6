"""Demand forecasting internals; import from :mod:`domain.planning.forecast` instead."""
