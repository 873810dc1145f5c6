"""Transports: the GraphQL API, the OAuth2 server, the ASGI app factory and the `ims` CLI."""
