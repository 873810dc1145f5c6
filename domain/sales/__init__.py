"""Counter sales: selling parts over the counter to walk-in customers and trade accounts, returns."""
