"""Backups: a consistent copy of the database, the signing keys sealed with a passphrase, and a
manifest (row counts, each clinic's audit chain head, file digests) checked on write and restore."""
