from django.db import models


class Booking(models.Model):
    """A booking exported from Redis (the system of record) by `manage.py export_bookings`."""

    number = models.BigIntegerField(unique=True, help_text="Position in the Redis booking log")
    reference = models.CharField(max_length=11, unique=True)
    id_type = models.CharField(max_length=8)
    id_number = models.CharField(max_length=20, db_index=True)
    name = models.CharField(max_length=100)
    phone = models.CharField(max_length=16)
    email = models.CharField(max_length=254, blank=True)
    location_id = models.CharField(max_length=32)
    date = models.DateField()
    arrival_window = models.CharField(max_length=11)
    lang = models.CharField(max_length=2, default="en")
    booked_at = models.DateTimeField()
    exported_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["location_id", "date"])]

    def __str__(self) -> str:
        return self.reference


class ExportWatermark(models.Model):
    """How far `export_bookings` has read the Redis booking log: one row per log.

    Moved in the same transaction as the rows it covers, so the warehouse and the watermark can
    never disagree; runs lock this row, so two exports at once take turns.
    """

    name = models.CharField(primary_key=True, max_length=32)
    last_number = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_number}"
