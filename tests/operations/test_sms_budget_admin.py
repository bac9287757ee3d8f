"""Operators see the SMS spend against its budgets (the dashboard, /metrics) and raise the
budgets with a switch, audited."""

import json

from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from tests.operations.metrics_text import TOKEN, sample, scrape
from tests.staff import staff_login
from vaksin.switches import switches_forget

DASHBOARD = reverse("admin:operations_dashboard_changelist")
SWITCHES = "/admin/operations/dashboard/switches/"


def operator() -> Client:
    user = User.objects.create_user("operator", password="x", is_staff=True)
    for codename in ("view_dashboard", "flip_switches"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    staff_login(client, user)
    return client


def ask(client: Client, phone: str, address: str) -> int:
    return client.post(
        "/api/verifications",
        json.dumps({"phone": phone}),
        content_type="application/json",
        REMOTE_ADDR=address,
    ).status_code


def test_spend_against_budget_on_the_dashboard_and_in_metrics(
    client: Client, settings, db: None
) -> None:
    settings.SMS_BUDGET_CODES_PER_MINUTE = 5
    settings.METRICS_TOKEN = TOKEN
    answers = [ask(client, f"+6019{n:03d}1234", f"10.0.0.{n}") for n in range(6)]
    assert answers == [202] * 5 + [429]

    page = operator().get(DASHBOARD).content.decode()
    assert "SMS codes this minute" in page
    assert "5 of 5" in page

    samples = scrape(client)
    assert sample(samples, "vaksin_sms_budget_spent", kind="codes", window="minute") == 5
    assert sample(samples, "vaksin_sms_budget_limit", kind="codes", window="minute") == 5
    assert sample(samples, "vaksin_sms_over_budget_total", kind="codes", window="minute") == 1
    assert sample(samples, "vaksin_codes_total", outcome="sms_budget") == 1


def test_operators_raise_the_budgets_with_a_switch_audited(
    client: Client, settings, db: None
) -> None:
    settings.SMS_BUDGET_CODES_PER_MINUTE = 1
    assert ask(client, "+60191111234", "10.0.0.1") == 202
    assert ask(client, "+60192221234", "10.0.0.2") == 429
    staff = operator()
    assert "Raise the SMS budgets 2-fold" in staff.get(SWITCHES).content.decode()

    assert staff.post(SWITCHES, {"switch": "sms_budget", "choice": "x2"}).status_code == 302
    switches_forget()

    assert ask(client, "+60192221234", "10.0.0.2") == 202
    entry = AuditEntry.objects.get(action="switch")
    assert (entry.target, entry.before, entry.after) == ("sms_budget", "x1", "x2")
    assert "raised 2-fold" in staff.get(SWITCHES).content.decode()
