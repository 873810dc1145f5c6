"""Catalog: parts, aliases and synonyms, fitment, substitutes and supersessions, suppliers."""
