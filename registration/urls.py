from django.urls import path

from registration import api

urlpatterns = [
    path("api/bookings", api.bookings_api, name="bookings_api"),
]
