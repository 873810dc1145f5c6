"""The business: models, services, policies and pure planning math. Knows no HTTP."""
