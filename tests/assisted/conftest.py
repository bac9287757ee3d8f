"""A member of staff on the helpline: logged in with a second factor, holding (or not) the
permission to book for a person."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from tests.staff import staff_login

HELPLINE = "/admin/assisted/helpline/"


@pytest.fixture
def helpline_staff(db: None) -> User:
    user = User.objects.create_user("helpline", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="book_for_person"))
    return user


@pytest.fixture
def helpline(client: Client, helpline_staff: User) -> Client:
    staff_login(client, helpline_staff)
    return client


@pytest.fixture
def book_for() -> Callable[..., Any]:
    """Posts the helpline's booking form for `person` on `date` at `location`."""

    def post(client: Client, person: dict[str, str], *, location: str, date: str, **more: str):
        answers = {
            "action": "book",
            "id_type": person["id_type"],
            "id_number": person["id_number"],
            "name": person["name"],
            "email": person.get("email", ""),
            "location": location,
            "date": date,
            "lang": "ms",
            "reason": "Caller has no smartphone; booked with consent",
            **more,
        }
        return client.post(HELPLINE, answers)

    return post
