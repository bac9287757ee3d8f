from django.db import models


class Dispute(models.Model):
    """A person's word that the booking held under their ID number is not theirs: it was made
    from another phone. The booking stands (flagged here) until staff, with the person's MyKad
    seen in person or checked another way, give it to the person's phone or cancel it.

    It keeps the person only by their keyed name (the HMAC every store uses), never the ID
    number: staff type the number they see, and it is compared with that name."""

    OPEN, TRANSFERRED, CANCELLED, REJECTED = "open", "transferred", "cancelled", "rejected"
    STATUSES = [
        (OPEN, "Waiting for staff"),
        (TRANSFERRED, "Given to the person's phone"),
        (CANCELLED, "Booking cancelled"),
        (REJECTED, "Booking left as it was"),
    ]

    number = models.BigIntegerField(db_index=True, help_text="The booking's number in the log")
    reference = models.CharField(max_length=11)
    person = models.CharField(max_length=64, db_index=True, help_text="The person's keyed name")
    id_type = models.CharField(max_length=8)
    id_ending = models.CharField(max_length=4, help_text="The ID number's last digits")
    claimant_phone = models.CharField(max_length=16, db_index=True)
    claimant_name = models.CharField(max_length=100)
    lang = models.CharField(max_length=7, default="en")
    status = models.CharField(max_length=12, choices=STATUSES, default=OPEN, db_index=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True, help_text="How staff saw the person's MyKad, and why")
    new_reference = models.CharField(max_length=11, blank=True)

    class Meta:
        ordering = ["opened_at"]
        permissions = [("resolve_dispute", "Can give a disputed booking away or cancel it")]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"
