"""The example alert rules name only figures GET /metrics gives: a typo in a rule would make an
alert that can never fire."""

import re
import time

import django_rq
from django.test import Client

from devstack.people import booking_request
from devstack.processes import ROOT
from registration.services import booking_create
from tests.operations.metrics_text import TOKEN, scrape
from tests.slots import SlotMaker
from vaksin.store import metrics

RULES = ROOT / "deploy" / "prometheus" / "vaksin-alerts.yml"


def test_every_figure_an_alert_rule_names_is_served(
    client: Client, make_slot: SlotMaker, settings, sms_file
) -> None:
    settings.METRICS_TOKEN = TOKEN
    booking_create(request=booking_request(1, location="WTCKL", date=make_slot()))
    django_rq.get_worker("confirmations").work(burst=True)
    client.get("/healthz")
    metrics.counters_set({"export:last_success": time.time()})
    from vaksin.tally import TALLY

    TALLY.flush()
    served = {name for name, _ in scrape(client)}
    # A family with no sample now (no worker alive: rq_workers) is still declared.
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).content.decode()
    served |= set(re.findall(r"^# TYPE (\w+)", text, re.MULTILINE))

    named = set(re.findall(r"\b((?:vaksin|rq)_[a-z_]+)\b", RULES.read_text()))

    assert named, "no rule names a figure"
    assert named - served == set()


def test_the_runbook_explains_every_alert() -> None:
    rules = re.findall(r"- alert: (\w+)", RULES.read_text())
    runbook = (ROOT / "docs" / "operations.md").read_text()
    assert "VaksinConfirmationLagHigh" in rules
    assert [rule for rule in rules if f"`{rule}`" not in runbook] == []
