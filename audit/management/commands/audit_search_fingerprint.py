from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import search_fingerprint


class Command(BaseCommand):
    help = (
        "Prints the fingerprint the audit trail records when staff search for TERM (an ID "
        "number, say): search the audit trail's target for it to see who searched for that "
        "person, and when. Reads nothing and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("term", type=str, help="The ID number (any spelling) or other term.")

    def handle(self, *args: Any, term: str, **options: Any) -> None:
        if not term.strip():
            raise CommandError("Give the term staff would have searched for, like 900101-14-5555.")
        self.stdout.write(search_fingerprint(term))
