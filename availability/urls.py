from django.urls import path

from availability import views

urlpatterns = [
    path("api/availability", views.availability_api, name="availability_api"),
]
