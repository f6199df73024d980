"""The audit trail: the hash chain every clinical change writes to, and its search."""
