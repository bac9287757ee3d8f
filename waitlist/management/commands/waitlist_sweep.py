from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vaksin.stopping import stop_on_signals
from waitlist.services import waitlist_sweep_once, waitlist_sweep_run


class Command(BaseCommand):
    help = (
        "Looks at every waiting list: offers that have lapsed (OFFER_MINUTES) let their place "
        "go to the next person in line whose phone is still verified, places freed by a "
        "raised capacity are offered, and lists whose date is over are closed (their waiters' "
        "personal data removed). "
        "Each slot is one Lua script, so it is safe to run twice at once. --loop sweeps every "
        "second until stopped (the Procfile's waitlist), waiting out any Redis outage."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Sweep every second until stopped.")

    def handle(self, *args: Any, loop: bool, **options: Any) -> None:
        if not loop:
            lapsed, offered = waitlist_sweep_once()
            self.stdout.write(f"{lapsed:,} offers lapsed, {offered:,} places offered.")
            return
        self.stdout.write("Sweeping the waiting lists every second until stopped.")
        self.stdout.flush()
        lapsed, offered = waitlist_sweep_run(interval=1.0, should_stop=stop_on_signals())
        self.stdout.write(f"Stopped: {lapsed:,} offers lapsed, {offered:,} places offered.")
