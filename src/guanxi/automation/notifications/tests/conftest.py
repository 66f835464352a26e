"""Fixtures of the notification tests: people reading English and Chinese, registered kinds, a real
HTTP receiver and a real SMTP server on 127.0.0.1, and the retries the task queue scheduled."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from huey.contrib.djhuey import HUEY

from guanxi.automation.notifications.registry import register_notification_kind, unregister_notification_kind

DUE = "tests.follow_up_due"
APPROVED = "tests.quote_approved"


@pytest.fixture(autouse=True)
def _no_leftover_retries():
    """Retries other tests left in the in-memory queue's schedule are not ours to run."""
    if HUEY.immediate:
        HUEY.storage.flush_schedule()
    yield
    if HUEY.immediate:
        HUEY.storage.flush_schedule()


@pytest.fixture
def people(company):
    """alice reads English, bob Chinese (carol and dave too: no language of their own, the site's is
    Chinese); everyone has an email address but dave."""
    from guanxi.org.models import User

    for user, language, address in ((company.alice, "en", "alice@example.com"),
                                    (company.bob, "zh-hans", "bob@example.com"),
                                    (company.carol, "", "carol@example.com"),
                                    (company.dave, "", ""), (company.erin, "en", "erin@example.com")):
        User.objects.filter(pk=user.pk).update(language=language, email=address)
        user.language, user.email = language, address
    return company


@pytest.fixture
def kinds(db):
    """Two kinds as other apps register them: follow-ups due (in the app by default), quotes approved
    (in the app and by email by default)."""
    register_notification_kind(DUE, label="Follow-up due", description="A follow-up you planned is due.")
    register_notification_kind(APPROVED, label="Quote approved", default_channels=("app", "email"))
    yield
    unregister_notification_kind(DUE)
    unregister_notification_kind(APPROVED)


def run_scheduled_retries() -> int:
    """Run the retries the queue scheduled, as the worker does once their time has come; how many ran."""
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)
    ran = 0
    while due := HUEY.read_schedule(later):
        for task in due:
            HUEY.execute(task, later)
            ran += 1
    return ran


# -- a real HTTP receiver --


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records what it is sent; answers each path as told (default: 200 and a robot's success)."""

    port: int = 0
    requests: list[Received] = field(default_factory=list)
    answers: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, status: int, body: bytes | str) -> None:
        self.answers[path] = (status, body.encode() if isinstance(body, str) else body)

    def for_path(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path.split("?", 1)[0] == path]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.requests.append(Received("POST", self.path, dict(self.headers.items()), body))
            status, reply = state.answers.get(self.path.split("?", 1)[0],
                                              (200, b'{"errcode":0,"errmsg":"ok","code":0,"msg":"success"}'))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


# -- a real SMTP server --


class Mailbox:
    """Keeps every message the SMTP server accepted."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(settings):
    """An aiosmtpd server on 127.0.0.1; Django's SMTP settings point at it."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "Guanxi <noreply@guanxi.test>"
    settings.GUANXI_BASE_URL = "https://crm.example.com"
    yield box
    controller.stop()


@pytest.fixture
def api():
    """`api(user)` is a client signed in with a personal API token of `user`."""
    from guanxi.org.services import token_create

    def client_for(user) -> Client:
        _token, secret = token_create(actor=user, user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})

    return client_for
