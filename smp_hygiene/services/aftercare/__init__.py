"""Aftercare after the chair: follow-up check-ins and the photos clients send.

settings.py holds each clinic's follow-up days and early-warning thresholds; schedule.py
schedules the check-ins when a session is completed, queues their email reminders (or lists them
for the clinic to send) and records a client's opt-out on their consent; checkins.py takes the
client's answers and raises a flag when they suggest a problem; photos.py checks an uploaded
image by its content and re-encodes it without EXIF or location.
"""
