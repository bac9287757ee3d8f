from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django's admin, its default site replaced by one that asks every login for a second
    factor (django_rq and the apps register on `admin.site`, which becomes this site)."""

    default_site = "vaksin.admin_site.StaffAdminSite"
