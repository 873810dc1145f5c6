"""Purchasing: orders and approvals, ship notices, scan receiving, QC, putaway, returns to vendor,
three-way match and supplier performance. Services are split by concern (orders, ship_notices,
receiving, qc, putaway, matching, performance); `policy` holds roles and thresholds."""
