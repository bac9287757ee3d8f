from django.contrib import admin
from django.urls import include, path

from vaksin.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The wizard first: its pages are most of the requests the full stack serves (the booking
    # API takes the lean door), and Django tries each pattern in turn; its paths are all
    # exact and no other app has one of them, so the order changes no page.
    path("", include("wizard.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("operations.urls")),
    path("", include("availability.urls")),
    path("", include("phones.urls")),
    path("", include("waiting_room.urls")),
    path("", include("registration.urls")),
    path("", include("appointments.urls")),
    path("", include("waitlist.urls")),
    path("", include("disputes.urls")),
]

# Calm pages in the person's language (and JSON under /api/) instead of Django's defaults.
handler400 = "vaksin.error_pages.bad_request"
handler403 = "vaksin.error_pages.permission_denied"
handler404 = "vaksin.error_pages.page_not_found"
handler500 = "vaksin.error_pages.server_error"
