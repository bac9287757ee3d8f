from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django's admin, its default site replaced by one that asks every login for a second
    factor (django_rq and the apps register on `admin.site`, which becomes this site)."""

    default_site = "vaksin.admin_site.StaffAdminSite"


class VaksinConfig(AppConfig):
    """The project's shared kernel as an app of its own, so that its template tags (and the
    templates every public page extends) are found like any app's."""

    name = "vaksin"
    verbose_name = "Vaksin"
