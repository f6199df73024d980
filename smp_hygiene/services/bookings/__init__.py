"""Bookings: the appointments of a clinic's day, and what each still needs before the client is
in the chair.

operations.py writes (book, move, cancel, mark a no-show, start the session); queries.py reads
(a day's bookings in the clinic's time) and readiness.py judges each booking at its planned time
with the rules the session itself will meet: consent, patch tests, the healing gap.
"""
