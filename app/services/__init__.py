"""Queries and transactions. Views call these; models never commit."""
