"""ERP connector: domain events out as signed webhooks, price and cost updates in."""
