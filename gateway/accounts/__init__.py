"""Accounts and sign-in, owned by the gateway in its own database.

``policy`` (pure: roles, scopes, who manages whom) · ``passwords`` (argon2id off the event
loop, the strength rule) · ``tokens`` (access and refresh tokens) · ``store`` (the database) ·
``service`` (the operations the API, the command line and single sign-on share) · ``audit``
(account changes into the county's audit log) · ``demo`` (local mode's demo accounts).
"""
