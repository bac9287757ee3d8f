"""The SMS budget for codes (vaksin/sms_budget.py), as verifying a phone meets it: one send is
taken per code before the code is issued, and given back when a per-phone limit refuses the
code after all.

Taken before the code is issued, not after: a code issued and then refused by the budget would
have replaced the person's pending code with one that is never sent.
"""

from django.utils.translation import ngettext

from vaksin.sms_budget import CODES, Budget, sms_budget_return, sms_budget_take

# The VerificationError limit of a code refused by the budget (phones/forms.py tells it apart).
LIMIT = "sms_budget"


def code_budget_take(phone: str) -> Budget:
    """One send from the codes' budget for `phone` (E.164); granted 0 (with retry_after) when a
    window is spent. Raises StoreError when Redis cannot be reached."""
    return sms_budget_take(CODES, phone=phone)


def code_budget_unused(budget: Budget) -> None:
    """The code was refused by another limit: its send goes back to the budget."""
    sms_budget_return(budget, 1)


def budget_refusal_text(retry_after: int) -> str:
    """What a person is told when the budget refused their code, in the active language: the
    whole minutes until it has room again (rounded up, one at least)."""
    minutes = max(1, -(-retry_after // 60))
    return ngettext(
        "There are too many requests right now. Try again in %(count)d minute",
        "There are too many requests right now. Try again in %(count)d minutes",
        minutes,
    ) % {"count": minutes}
