"""Recalls for auditors: open one, follow who was told, export for mail merge, close it."""

from smp_hygiene.views.audit.recalls import exports, routes  # noqa: F401
