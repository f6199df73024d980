"""Reading who received what: sessions per lot, a client's history, a technician's activity."""
