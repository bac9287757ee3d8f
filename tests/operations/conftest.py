"""The screenshots folder of the public face's browser tests, for the switches' photograph."""

from tests.public.test_browser import shots  # noqa: F401
