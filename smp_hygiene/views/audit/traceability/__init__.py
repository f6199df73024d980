"""Traceability searches for auditors: by lot, by client, by technician, with CSV and PDF."""

from smp_hygiene.views.audit.traceability import clients, lots, technicians  # noqa: F401
