"""The job that tells the phone a disputed booking was made from: safe to run twice (the same
message id, which a gateway de-duplicates)."""

from assisted.phoneless import is_phoneless
from disputes.messages import notice_text
from disputes.models import Dispute
from disputes.services import NOTICE_QUEUE
from vaksin.sms import Sms, sms_backend
from vaksin.sms_budget import confirmation_send_or_later
from vaksin.store import bookings


def dispute_notice_job(dispute_id: int, message_id: str) -> str:
    dispute = Dispute.objects.filter(pk=dispute_id).first()
    entry = bookings.read_entry(dispute.number) if dispute else None
    if dispute is None or not entry or not entry.get("phone") or is_phoneless(entry["phone"]):
        # A helpline booking made without a phone has no phone to tell.
        return "nothing to tell"
    # A billed SMS like a confirmation, within the same budget: sent once it has room.
    if confirmation_send_or_later(NOTICE_QUEUE, dispute_notice_job, dispute_id, message_id) is None:
        return "waiting"
    text = notice_text(dispute.reference, entry.get("lang", "en"))
    sms_backend().send(Sms(to=entry["phone"], text=text, message_id=message_id))
    return "sent"
