"""What the check-answers page showed, as a keyed digest its "Confirm and book" form carries.

The answers live in one cookie that every tab of a browser shares: a family booking several
people from one phone may change the answers in a second tab while the first still shows the
old ones. The confirm POST books only if the answers are still those the page showed."""

import json

from django.utils.crypto import constant_time_compare, salted_hmac

from wizard.state import STEPS, WizardState

# Every answer the check page shows (the centre's name and the state's come from these).
SHOWN = tuple(name for step in STEPS.values() for name in step)
_SALT = "vaksin.wizard.check-answers"


def answers_digest(state: WizardState) -> str:
    """A keyed digest (HMAC with the secret key) of the answers and the verified phone."""
    shown = {name: state.answers.get(name, "") for name in SHOWN} | {"phone": state.phone}
    text = json.dumps(shown, sort_keys=True, ensure_ascii=False)
    return salted_hmac(_SALT, text, algorithm="sha256").hexdigest()


def answers_unchanged(state: WizardState, seen: str) -> bool:
    return constant_time_compare(seen, answers_digest(state))
