"""Identity: users, roles on location subtrees, OAuth clients, tokens, and the permission policy."""
