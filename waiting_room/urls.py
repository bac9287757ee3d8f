from django.urls import path

from waiting_room import api, views

urlpatterns = [
    path("register/wait/", views.waiting, name="register_wait"),
    path("api/queue", api.queue_api, name="queue_api"),
]
