"""The compliance dashboard: a read-only summary of a clinic over a period."""
