from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    """/appointment/: a person looks up, changes or cancels their own booking."""

    name = "appointments"
