from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Staff audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Logins, failed logins, lockouts and logouts into the audit trail.
        from audit import logins  # noqa: F401
