"""Recalls: operations (open, block, notify, close) apart from queries (who, and who was told).

operations.py writes and re-exports the read side, so views call one module; queries.py reads
(affected clients, notification progress); notices.py is what the public patient page says. The
lot-level rules (what a recall's scope covers, blocking a lot) live in services/lots.
"""
