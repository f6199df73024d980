"""Clearing a client for treatment: consent form versions, signed consents, patch tests."""
