"""The common Django way to sell places: a row per slot, locked with SELECT ... FOR UPDATE."""

from django.db import models


class RivalSlot(models.Model):
    location = models.CharField(max_length=32)
    date = models.DateField()
    capacity = models.IntegerField()
    available = models.IntegerField()

    class Meta:
        unique_together = [("location", "date")]

    def __str__(self) -> str:
        return f"{self.location} {self.date}"


class RivalBooking(models.Model):
    person = models.CharField(max_length=64, unique=True)
    slot = models.ForeignKey(RivalSlot, on_delete=models.CASCADE)
    booked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.person
