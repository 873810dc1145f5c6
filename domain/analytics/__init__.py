"""Analytics: KPIs (the dashboard), reports and the ABC/XYZ classification, all scoped to the
sites the viewer may see."""
