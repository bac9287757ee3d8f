"""The job that tells the phone a disputed booking was made from: safe to run twice (the same
message id, which a gateway de-duplicates)."""

from disputes.messages import notice_text
from disputes.models import Dispute
from vaksin.sms import Sms, sms_backend
from vaksin.store import bookings


def dispute_notice_job(dispute_id: int, message_id: str) -> str:
    dispute = Dispute.objects.filter(pk=dispute_id).first()
    entry = bookings.read_entry(dispute.number) if dispute else None
    if dispute is None or not entry or not entry.get("phone"):
        return "nothing to tell"
    text = notice_text(dispute.reference, entry.get("lang", "en"))
    sms_backend().send(Sms(to=entry["phone"], text=text, message_id=message_id))
    return "sent"
