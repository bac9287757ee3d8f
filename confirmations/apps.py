from django.apps import AppConfig


class ConfirmationsConfig(AppConfig):
    """Every booking, change, cancellation and offer told to its person by SMS (and e-mail): at
    least once and, as far as they can tell, once."""

    name = "confirmations"
