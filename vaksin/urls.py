from django.contrib import admin
from django.urls import include, path

from vaksin.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("availability.urls")),
    path("", include("registration.urls")),
]
