"""The department services: one framework, five definitions."""
