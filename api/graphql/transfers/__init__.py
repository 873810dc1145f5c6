"""GraphQL of transfers: transfer orders, the recommender and rebalance plans."""
