"""Adverse reactions: logged against a session, traced to every lot it used, notified in time."""
