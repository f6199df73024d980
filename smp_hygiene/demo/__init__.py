"""The demo clinic: realistic data built through the same services the app uses.

Never loaded in production (`demo-data` refuses there).
"""
