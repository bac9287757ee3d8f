"""The browser tests' fixtures (a session's Chromium, the screenshots folder), shared with the
public face's browser tests."""

from tests.public.test_browser import browser, shots  # noqa: F401
