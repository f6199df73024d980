"""Recalls: operations (open, block, notify, close) apart from queries (who, and who was told)."""
