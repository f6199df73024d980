"""A treatment session from start to seal: scans, checklist, overrides, sealing, addenda."""
