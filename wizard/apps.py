from django.apps import AppConfig


class WizardConfig(AppConfig):
    """The registration wizard: a person books their own appointment, step by step."""

    name = "wizard"
