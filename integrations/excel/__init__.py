"""Excel and CSV adapters: streaming readers and writers, templates, annotated error reports."""
