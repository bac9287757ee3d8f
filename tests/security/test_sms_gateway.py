"""The HTTP SMS backend sends the gateway token only to the gateway, and only over https."""

import http.server
import threading
from collections.abc import Iterator

import pytest

from vaksin.sms import HttpSmsBackend, Sms, SmsError


class _Gateway(http.server.BaseHTTPRequestHandler):
    """Answers every POST with a redirect elsewhere; records what reached the other end."""

    seen: list[str] = []
    elsewhere = ""

    def do_POST(self) -> None:
        self.send_response(302)
        self.send_header("Location", _Gateway.elsewhere)
        self.end_headers()

    def do_GET(self) -> None:
        _Gateway.seen.append(self.headers.get("Authorization", ""))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def redirecting_gateway() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Gateway.seen = []
    _Gateway.elsewhere = f"http://127.0.0.1:{server.server_port}/elsewhere"
    yield f"http://127.0.0.1:{server.server_port}/send"
    server.shutdown()


def test_a_redirect_is_a_failed_send_and_the_token_goes_nowhere(settings, redirecting_gateway):
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN = "https://gateway.example/", "s3cret"
    backend = HttpSmsBackend()
    backend.url = redirecting_gateway  # a loopback stand-in: no https server in the test

    with pytest.raises(SmsError, match="redirect"):
        backend.send(Sms(to="+60123456789", text="hello", message_id="A:sms"))

    assert _Gateway.seen == []


def test_a_plain_http_gateway_is_refused(settings) -> None:
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN = "http://gateway.example/", "s3cret"
    with pytest.raises(SmsError, match="https"):
        HttpSmsBackend()
