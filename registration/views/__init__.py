"""The public pages: the registration wizard (wizard.py) and the appointment look-up
(appointment.py). The site-wide error pages are the project's (vaksin.error_pages)."""
