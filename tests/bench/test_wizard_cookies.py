"""The bench's wizard cookies are what a person's browser holds at the check page: posting one
books, so `make bench` measures bookings, not redirects to the phone step."""

from django.test import Client

from bench.wizard import write_wizard_cookies


def test_each_bench_cookie_books_one_person(client: Client, make_slot, tmp_path) -> None:
    day = make_slot(location="WTCKL", capacity=5)
    path = tmp_path / "cookies.txt"
    write_wizard_cookies(
        path, first_person=1, count=2, slots=[f"WTCKL|{day}"], states={"WTCKL": "MY-14"}
    )
    for line in path.read_text().splitlines():
        person = Client()
        for pair in line.split("; "):
            name, value = pair.split("=", 1)
            person.cookies[name] = value
        assert person.post("/register/check/")["Location"] == "/register/confirmation/"
