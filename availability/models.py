import datetime

from django.db import models

from availability.states import STATES


class Centre(models.Model):
    """A vaccination centre (PPV). Its slots and their counts live in Redis, not here."""

    id = models.CharField(primary_key=True, max_length=32, help_text="Short code, like WTCKL")
    name = models.CharField(max_length=200)
    state = models.CharField(max_length=5, choices=sorted(STATES.items()))
    opens_at = models.TimeField(default=datetime.time(9, 0))
    closes_at = models.TimeField(default=datetime.time(17, 0))

    class Meta:
        ordering = ["state", "name"]

    def __str__(self) -> str:
        # The 2021 centres' names end with their code already: "... Kuala Lumpur (WTCKL)".
        if self.name.endswith(f"({self.id})"):
            return self.name
        return f"{self.name} ({self.id})"
