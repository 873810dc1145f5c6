"""Seeded, deterministic generator of the demo company (Huaxin Auto Group).

Pure Python/numpy, no database and no I/O, so the same seed gives the same company on every
machine: demos, benchmarks and the planning engine's "before/after" story all start from it.
`domain.demo.generate.generate` is the entry point; the loader turns its `DemoDataset` into rows."""
