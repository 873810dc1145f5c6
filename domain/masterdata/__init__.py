"""Master data import/export and cleanup: the path by which a company's data goes live."""
