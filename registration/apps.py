from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    """The booking itself: one person, one place, from one verified phone; the API that books,
    the services every way of booking shares, and a booking's reference."""

    name = "registration"
    verbose_name = "Registration"
