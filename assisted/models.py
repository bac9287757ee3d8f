"""Assisted booking's permission: staff holding `assisted.book_for_person` book for a person
from the helpline page (assisted/admin.py). Nothing is stored here: each booking lives in Redis
like any other, and its record is the audit trail's row (action "assisted_book")."""

from django.db import models


class Helpline(models.Model):
    """No table: a model only to carry the permission and the admin's link to the page."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("book_for_person", "Can book an appointment for a person (helpline)")]
        verbose_name = "helpline booking"
        verbose_name_plural = "helpline bookings"

    def __str__(self) -> str:
        return "helpline"
