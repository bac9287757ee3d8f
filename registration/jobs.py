"""RQ jobs of the registration app. Jobs take references, never objects, and are safe to repeat."""

from registration.confirmations.services import confirmation_send


def confirmation_send_job(reference: str) -> str:
    return confirmation_send(reference=reference)
