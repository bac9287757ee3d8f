"""The audit trail of staff writes, shared by every app whose staff pages change something."""

from django.db import models


class AuditEntry(models.Model):
    """One write by a member of staff: who, when, what, the values before and after, from where."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(max_length=150, help_text="Username of the member of staff")
    action = models.CharField(max_length=32)
    target = models.CharField(max_length=100, db_index=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        # The table it had when it lived in the registration app: moved without copying rows.
        db_table = "registration_auditentry"
        ordering = ["-at"]
        verbose_name_plural = "audit entries"
        # django-rq's dashboard checks only is_staff; audit.queues asks for this as well.
        # record_dose: staff at a centre record doses given and no-shows, and let go of a
        # second dose once the first was given (registration/staff.py).
        permissions = [
            ("manage_queues", "Can see and change the job queues (RQ dashboard)"),
            ("record_dose", "Can record doses given and no-shows at a centre"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"
