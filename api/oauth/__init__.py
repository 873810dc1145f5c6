"""The OAuth2 authorization server (Authlib's generic server adapted to Starlette) and the login
page that completes the authorization-code flow for internal users."""
