"""The SMS budget for codes (vaksin/sms_budget.py), as verifying a phone meets it: the script
that issues a code takes its send from the budget's windows in the same step
(lua/phones/code_issue.lua), and gives it back there when a per-phone limit refuses the code.

Taken in the step that issues the code, never after: a code issued and then refused by the
budget would have replaced the person's pending code with one that is never sent.
"""

from django.utils.translation import ngettext

from vaksin.sms_budget import CODES, sms_budget_windows
from vaksin.store.sms_budget import Window

# The VerificationError limit of a code refused by the budget (phones/forms.py tells it apart);
# the script's name for it too.
LIMIT = "sms_budget"


def code_budget_windows(phone: str) -> list[Window]:
    """The codes' budget windows for `phone` (E.164) that have a limit: the whole budget and
    the phone's range, this minute and this hour."""
    return sms_budget_windows(CODES, phone=phone)


def budget_refusal_text(retry_after: int) -> str:
    """What a person is told when the budget refused their code, in the active language: the
    whole minutes until it has room again (rounded up, one at least)."""
    minutes = max(1, -(-retry_after // 60))
    return ngettext(
        "There are too many requests right now. Try again in %(count)d minute",
        "There are too many requests right now. Try again in %(count)d minutes",
        minutes,
    ) % {"count": minutes}
