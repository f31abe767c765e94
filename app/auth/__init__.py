"""Accounts, roles and scopes: who may see or change which grades, checked on the server."""
