"""The gateway: the only door for people and outside systems (REST + OpenAPI, auth, roles)."""
