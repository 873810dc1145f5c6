"""The GraphQL API: one module per area (types, queries, mutations, loaders)."""
