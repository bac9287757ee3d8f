"""The operations app keeps nothing in PostgreSQL: its figures and switches live in Redis. This
model has no table; it carries the permissions and the admin's entry for the noon dashboard."""

from django.db import models


class Dashboard(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboard", "Can see the noon dashboard"),
            ("flip_switches", "Can open or close registration and pause confirmations"),
        ]
        verbose_name = "noon dashboard"
        verbose_name_plural = "noon dashboard"

    def __str__(self) -> str:
        return "noon dashboard"
