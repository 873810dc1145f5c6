"""Inter-store transfers: deciding where spare parts should come from and where surplus should go.

The optimisation core lives in :mod:`domain.transfers.optimize` and is deliberately pure (no I/O,
no database) so it can be unit-tested, benchmarked and reused by the API, the nightly planner and
the CLI alike; :mod:`domain.transfers.synthetic` builds reproducible demo-scale networks for tests
and benchmarks.
"""
