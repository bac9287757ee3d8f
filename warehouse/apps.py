from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    """Bookings exported from Redis to PostgreSQL for staff and reporting, and the end of
    personal data."""

    name = "warehouse"
