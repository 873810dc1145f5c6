"""Bookkeeping of the outside world's traffic: partners and their secrets, inbound messages
(idempotency by external id), outbound webhook deliveries, exchanged files, DMS part numbers."""
