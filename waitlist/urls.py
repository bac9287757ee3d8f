from django.urls import path

from waitlist import views

urlpatterns = [
    path("register/waiting-list/", views.waitlist_join_step, name="register_waiting_list"),
    # Short: the link is in an SMS, where every character counts.
    path("o/<str:code>", views.waitlist_offer, name="waitlist_offer"),
]
