from django.apps import AppConfig


class DisputesConfig(AppConfig):
    """ "This booking is not mine": a person whose ID number was booked from someone else's phone
    says so from their own, and staff, with the person's MyKad seen, give it to them or cancel
    it."""

    name = "disputes"
    verbose_name = "Disputed bookings"
