from django.urls import path

from phones import api

urlpatterns = [
    path("api/verifications", api.verifications_api, name="verifications_api"),
    path(
        "api/verifications/confirm", api.verifications_confirm_api, name="verifications_confirm_api"
    ),
]
