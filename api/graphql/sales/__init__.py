"""GraphQL area of counter sales, trade accounts, daily sales and the store daily report."""
