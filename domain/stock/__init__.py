"""Stock: the double-entry ledger (moves), balances, lots, reservations, valuation."""
