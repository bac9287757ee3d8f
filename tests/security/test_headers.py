"""Every page sends a strict Content-Security-Policy that the pages really keep (checked in
Chromium), the other security headers, and `check --deploy` is clean for production."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from playwright.sync_api import Browser

from devstack.processes import ROOT
from tests.staff import staff_login

# What docs/operations.md gives as a production environment (its secrets made up here).
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-production-like-secret-key-" + "k" * 40,
    "PERSON_KEY_SECRET": "a-production-like-person-key-" + "p" * 40,
    "DJANGO_ALLOWED_HOSTS": "vaksin.example",
    "CSRF_TRUSTED_ORIGINS": "https://vaksin.example",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto,https",
    "TRUSTED_PROXY_HEADER": "X-Forwarded-For",
    "TRUSTED_PROXIES": "10.0.0.0/8",
    "VAKSIN_LOCAL_ENV": "",
}


def test_check_deploy_is_clean_with_the_documented_production_environment() -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment | PRODUCTION,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_send_the_policy_and_the_other_headers(client: Client) -> None:
    page = client.get("/")
    policy = page["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "camera=()" in page["Permissions-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    assert page["X-Content-Type-Options"] == "nosniff"


RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


@pytest.mark.browser
@pytest.mark.e2e
def test_no_page_breaks_its_policy_in_chromium(
    browser: Browser, web_server, make_slot, client: Client
) -> None:
    make_slot()
    base = web_server()
    staff = User.objects.create_superuser("csp", "csp@example.com", "unused-password-12")
    staff.user_permissions.add(Permission.objects.get(codename="manage_queues"))
    staff_login(client, staff)
    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    paths = ["/", "/register/", "/appointment/", "/no-such-page", "/admin/",
             "/admin/availability/centre/", "/admin/django_rq/dashboard/",
             "/admin/django_rq/dashboard/queues/0/"]  # fmt: skip
    violations = {}
    for path in paths:
        answer = page.goto(base + path)
        assert answer is not None and answer.status in (200, 404), (path, answer)
        page.wait_for_load_state("load")
        violations[path] = page.evaluate("window.__violations")
    context.close()
    assert {path: found for path, found in violations.items() if found} == {}
