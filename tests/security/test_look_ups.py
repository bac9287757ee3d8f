"""Someone holding another person's booking reference, guessing their ID number: each attack
here was answered before its fix (tested on the code before it: the references were listed from
the public map, and 40 guesses against one reference were all answered)."""

import datetime

from django.test import Client

from devstack.people import book_someone, mykad
from tests.slots import SlotMaker


def look_up(client: Client, id_number: str, reference: str, address: str) -> str:
    page = client.post(
        "/appointment/", {"id_number": id_number, "reference": reference}, REMOTE_ADDR=address
    )
    return page.content.decode()


def test_guessing_the_id_number_for_one_reference_from_many_addresses_is_stopped(
    client: Client, make_slot: SlotMaker, settings
) -> None:
    settings.LOOKUPS_PER_REFERENCE = 10
    day: datetime.date = make_slot()
    # A MyKad's first six digits are a birth date and its next two a state: what is left to
    # guess is four digits, a few hundred tries with a little knowledge of the person.
    victim = mykad(1234, born=datetime.date(1985, 4, 12))
    reference = book_someone(location="WTCKL", date=day, id_number=victim)
    guesses = [f"{victim[:8]}{n:04d}" for n in range(9)]
    for n, guess in enumerate(guesses):
        assert "No appointment matches" in look_up(client, guess, reference, f"10.0.{n}.1")
    assert "Your appointment" in look_up(client, victim, reference, "10.0.99.1")  # the tenth
    # The eleventh try, right or wrong, from anywhere, is refused for the hour.
    refused = look_up(client, victim, reference, "10.0.100.1")
    assert "Your appointment" not in refused and "Too many attempts" in refused


def test_a_wrong_reference_and_a_wrong_id_number_get_the_same_answer(
    client: Client, make_slot: SlotMaker
) -> None:
    day = make_slot()
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    other = book_someone(location="WTCKL", date=day)
    wrong_id = look_up(client, mykad(), reference, "10.1.0.1")
    wrong_reference = look_up(client, person, other, "10.1.0.2")
    # The pages differ only in what the person typed (kept in the form) and the CSRF token.
    assert summary(wrong_id) == summary(wrong_reference)
    assert "No appointment matches" in summary(wrong_id)


def summary(page: str) -> str:
    return page[page.index('class="error-summary"') :].split("</div>", 1)[0]
