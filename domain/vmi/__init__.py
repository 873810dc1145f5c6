"""VMI: agreements, consignment ownership, shared stock, proposals, triggers, deliveries, scorecards."""
