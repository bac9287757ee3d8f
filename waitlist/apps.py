from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    """The waiting lists of full dates, and the offers of the places they free."""

    name = "waitlist"
