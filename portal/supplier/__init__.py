"""Supplier VMI portal pages (issue 8), mounted at /portal by portal.web."""
