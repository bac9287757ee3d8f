from django.db import models

from vaksin.validation import (
    EMAIL_MAX_LENGTH,
    ID_NUMBER_MAX_LENGTH,
    ID_TYPE_MAX_LENGTH,
    LANGUAGE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PHONE_MAX_LENGTH,
)


class Booking(models.Model):
    """A booking exported from Redis (the system of record) by `manage.py export_bookings`.

    Each column is sized by the limit the door enforces (vaksin/validation.py), so that
    nothing accepted can be refused here."""

    number = models.BigIntegerField(unique=True, help_text="Position in the Redis booking log")
    reference = models.CharField(max_length=11, unique=True)
    id_type = models.CharField(max_length=ID_TYPE_MAX_LENGTH)
    id_number = models.CharField(max_length=ID_NUMBER_MAX_LENGTH, db_index=True)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    phone = models.CharField(max_length=PHONE_MAX_LENGTH)
    email = models.CharField(max_length=EMAIL_MAX_LENGTH, blank=True)
    location_id = models.CharField(max_length=32)
    date = models.DateField()
    arrival_window = models.CharField(max_length=11)
    # The second dose, at the same centre: part of the booking, as the reference is (one row per
    # booking, docs/api.md). Empty for a one-dose booking and for those booked before two doses.
    second_date = models.DateField(null=True, blank=True)
    # NULL, not "", like second_date: readers of the table ask one question ("IS NULL") of both.
    second_arrival_window = models.CharField(max_length=11, null=True, blank=True)  # noqa: DJ001
    # As the site names the language ("zh-hans"), not a two-letter code.
    lang = models.CharField(max_length=LANGUAGE_MAX_LENGTH, default="en")
    booked_at = models.DateTimeField()
    exported_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table other systems read keeps the name it had when this was the registration
        # app's (docs/api.md).
        db_table = "registration_booking"
        indexes = [models.Index(fields=["location_id", "date"])]

    def __str__(self) -> str:
        return self.reference


# The watermark of the booking log's export (there is one log).
WATERMARK = "bookings"


class ExportWatermark(models.Model):
    """How far `export_bookings` has read the Redis booking log: one row per log.

    Moved in the same transaction as the rows it covers, so the warehouse and the watermark can
    never disagree; runs lock this row, so two exports at once take turns.
    """

    name = models.CharField(primary_key=True, max_length=32)
    last_number = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "registration_exportwatermark"

    def __str__(self) -> str:
        return f"{self.name} at {self.last_number}"


class SetAsideBooking(models.Model):
    """A booking the warehouse refused, kept aside so that the export goes on without it.

    The export's watermark moves past it, so one bad row never stops the rows behind it; it
    waits here, with its log entry as Redis held it and PostgreSQL's reason, until staff retry
    it (the admin, or `export_bookings --retry`). Until then `export_bookings --verify` fails
    and operators are alerted (vaksin_export_set_aside_rows)."""

    number = models.BigIntegerField(primary_key=True, help_text="Position in the booking log")
    reference = models.CharField(max_length=11)
    entry = models.JSONField(help_text="The booking-log entry, as Redis held it")
    error = models.TextField(help_text="Why PostgreSQL refused it")
    set_aside_at = models.DateTimeField()
    # A cancellation of this booking, exported while it waited here.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveIntegerField(default=1)
    tried_at = models.DateTimeField()

    class Meta:
        db_table = "registration_setasidebooking"
        verbose_name = "booking set aside by the export"
        verbose_name_plural = "bookings set aside by the export"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.reference
