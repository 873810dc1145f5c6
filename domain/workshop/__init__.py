"""Repair work orders: the kit a job needs, its reservation, scan-confirmed picking, issue to the
workshop and return of unused parts."""
