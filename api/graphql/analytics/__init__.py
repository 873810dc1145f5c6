"""GraphQL of analytics: the dashboard, reports, exports and the ABC/XYZ classification."""
