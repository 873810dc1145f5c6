"""GraphQL area of reconciliation statements (domain.vmi.statements)."""
