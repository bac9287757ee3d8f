"""The availability listing as it is sent: its size with and without gzip asked for, and a
national-scale set of slots to measure it at (600 centres x 30 days, about Malaysia's 2021
network)."""

import csv
import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.request import Request, urlopen

from availability.states import STATES

NATIONAL_CENTRES = 600
NATIONAL_DAYS = 30


@dataclass(frozen=True)
class Sent:
    """One answer as it came over the wire: body bytes before any decoding, and its headers."""

    size: int
    encoding: str
    vary: str
    slots: int | None  # how many slots it lists, when it came uncompressed

    def describe(self) -> str:
        return f"Content-Encoding {self.encoding or 'none'}, Vary {self.vary or 'none'}"


def listing_sent(base: str, *, gzip: bool) -> Sent:
    """GET /api/availability, asking for gzip or not; urllib decodes nothing, so the size is
    what the server sent."""
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    request = Request(f"{base}/api/availability", headers=headers)  # noqa: S310
    with urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback only)
        body = answer.read()
        encoding = answer.headers.get("Content-Encoding", "")
        slots = None
        if not encoding:
            listing = json.loads(body)
            slots = sum(len(c["slots"]) for s in listing["states"] for c in s["locations"])
        return Sent(len(body), encoding, answer.headers.get("Vary", ""), slots)


def write_national_slots(path: Path, *, first: datetime.date) -> int:
    """A seed_slots CSV of NATIONAL_CENTRES centres over the states, NATIONAL_DAYS days each,
    with capacities from 500 to 7,000 as in 2021; returns the number of slots."""
    states = sorted(STATES)
    with path.open("w", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(["state", "location_id", "location_name", "date", "capacity"])
        for n in range(NATIONAL_CENTRES):
            state = states[n % len(states)]
            name = f"Pusat Pemberian Vaksin {STATES[state]} {n + 1:03d}"
            for day in range(NATIONAL_DAYS):
                date = first + datetime.timedelta(days=day)
                rows.writerow([state, f"N{n + 1:03d}", name, date, 500 + (n * 37 + day) % 66 * 100])
    return NATIONAL_CENTRES * NATIONAL_DAYS
