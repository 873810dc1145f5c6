"""DMS connector: repair orders in through a signed webhook."""
