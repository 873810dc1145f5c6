"""GraphQL of master data: imports (file upload), exports and templates, cleanup, the DMS inbound."""
