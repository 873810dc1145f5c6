"""GraphQL of the workshop: repair work orders, kit checks, picking, issue and returns."""
