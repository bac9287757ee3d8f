"""Booking confirmations: the outbox relay, the send service, the SMS backends and the texts.

The booking script writes each booking to the log stream; `manage.py relay_outbox` turns new
entries into RQ jobs, one per batch of bookings; `manage.py rqworker confirmations` runs them.
See docs/operations.md.
"""
