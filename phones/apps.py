from django.apps import AppConfig


class PhonesConfig(AppConfig):
    """Verifying a phone: a one-time code by SMS, exchanged for a token that books from it."""

    name = "phones"
    verbose_name = "Verified phones"
