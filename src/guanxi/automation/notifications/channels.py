"""Sending to a person's own channels, each in the format its receiver expects: a WeCom group robot,
a DingTalk custom robot, a Feishu/Lark custom bot, or any URL (JSON, signed with HMAC-SHA256).

One small function per kind takes the channel and the message and says how it went; it never raises
for a receiver's failure, so the caller can log it and decide whether to try again.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx

from .choices import ChannelKind
from .models import MAX_DETAIL, Channel

TIMEOUT = httpx.Timeout(5.0, connect=3.0)
# Group robots post to a group whose members may read either language.
LINK_LABEL = "查看 / View"
SIGNATURE_HEADER = "X-Guanxi-Signature"
USER_AGENT = "Guanxi-Notifications/1"
# Bytes of a receiver's answer read: robots answer a few dozen; the log keeps an excerpt.
MAX_ANSWER = 8192


@dataclass(frozen=True)
class Message:
    """A notification as it leaves Guanxi: texts in the recipient's language, an absolute link."""

    kind: str
    title: str
    body: str
    link: str
    language: str
    created_at: dt.datetime
    record: dict[str, Any] | None = None


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: `retry` says whether another attempt could go better; `skipped`, that
    there was nothing to send to."""

    ok: bool
    status_code: int | None = None
    detail: str = ""
    retry: bool = True
    skipped: bool = False


def excerpt(text: str, limit: int = MAX_DETAIL) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Answer:
    """The receiver's status and the start of its body: enough to judge it, never a huge download."""

    status_code: int
    text: str

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300


def _post(url: str, *, content: bytes, headers: dict[str, str] | None = None) -> Answer | Outcome:
    try:
        with httpx.stream("POST", url, content=content, timeout=TIMEOUT, follow_redirects=False,
                          headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                                   **(headers or {})}) as response:
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= MAX_ANSWER:
                    break
            return Answer(response.status_code, body[:MAX_ANSWER].decode("utf-8", errors="replace"))
    except httpx.HTTPError as exc:
        return Outcome(False, None, excerpt(f"{exc.__class__.__name__}: {exc}"))


def _http_outcome(answer: Answer) -> Outcome | None:
    """The outcome of a non-2xx answer; None for a 2xx, whose body says the rest."""
    if answer.is_success:
        return None
    # A malformed request stays malformed; overload and server errors may pass later.
    retry = answer.status_code >= 500 or answer.status_code in (408, 429)
    return Outcome(False, answer.status_code, excerpt(answer.text), retry=retry)


def _robot_outcome(answer: Answer, code_field: str) -> Outcome:
    """Robots answer 200 and put success in a JSON code (`errcode`, `code`): 0 means delivered."""
    failed = _http_outcome(answer)
    if failed is not None:
        return failed
    try:
        body = json.loads(answer.text)
    except ValueError:
        body = None
    if isinstance(body, dict) and (body.get(code_field) == 0 or body.get("StatusCode") == 0):
        return Outcome(True, answer.status_code, excerpt(answer.text))
    return Outcome(False, answer.status_code, excerpt(answer.text))


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _markdown_lines(message: Message) -> list[str]:
    """Body (when there is one) and the link, as markdown lines below the title."""
    return [*([message.body] if message.body else []), f"[{LINK_LABEL}]({message.link})"]


def send_wecom(channel: Channel, message: Message) -> Outcome:
    """WeCom (企业微信) group robot: markdown; success is errcode 0."""
    content = "\n".join([f"**{message.title}**", *_markdown_lines(message)])
    payload = {"msgtype": "markdown", "markdown": {"content": content}}
    answer = _post(channel.url, content=_json(payload))
    return answer if isinstance(answer, Outcome) else _robot_outcome(answer, "errcode")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(key=secret, msg="<timestamp>\\n<secret>")), as DingTalk's signed robots check it."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _with_query(url: str, params: dict[str, str]) -> str:
    query = "&".join(f"{name}={quote_plus(value)}" for name, value in params.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


def send_dingtalk(channel: Channel, message: Message) -> Outcome:
    """DingTalk (钉钉) custom robot: markdown; with a secret, `timestamp` and `sign` in the query."""
    text = "\n\n".join([f"#### {message.title}", *_markdown_lines(message)])
    payload = {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}
    url = channel.url
    if channel.secret:
        timestamp = int(time.time() * 1000)
        url = _with_query(url, {"timestamp": str(timestamp), "sign": dingtalk_sign(channel.secret, timestamp)})
    answer = _post(url, content=_json(payload))
    return answer if isinstance(answer, Outcome) else _robot_outcome(answer, "errcode")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """base64(HMAC-SHA256(key="<timestamp>\\n<secret>", msg=b"")), as Feishu's signed bots check it."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def send_feishu(channel: Channel, message: Message) -> Outcome:
    """Feishu / Lark (飞书) custom bot: a rich-text post; with a secret, `timestamp` and `sign` in the body."""
    paragraphs: list[list[dict[str, str]]] = []
    if message.body:
        paragraphs.append([{"tag": "text", "text": message.body}])
    paragraphs.append([{"tag": "a", "text": LINK_LABEL, "href": message.link}])
    locale = "zh_cn" if message.language.lower().startswith("zh") else "en_us"
    payload: dict[str, Any] = {
        "msg_type": "post",
        "content": {"post": {locale: {"title": message.title, "content": paragraphs}}},
    }
    if channel.secret:
        timestamp = int(time.time())
        payload = {"timestamp": str(timestamp), "sign": feishu_sign(channel.secret, timestamp), **payload}
    answer = _post(channel.url, content=_json(payload))
    return answer if isinstance(answer, Outcome) else _robot_outcome(answer, "code")


def url_signature(secret: str, raw_body: bytes) -> str:
    """The X-Guanxi-Signature header: "sha256=" and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def send_url(channel: Channel, message: Message) -> Outcome:
    """Any URL: the notification as JSON; any 2xx answer means delivered."""
    raw = _json({
        "kind": message.kind, "title": message.title, "body": message.body, "url": message.link,
        "record": message.record, "created_at": message.created_at.isoformat(),
    })
    headers = {SIGNATURE_HEADER: url_signature(channel.secret, raw)} if channel.secret else {}
    answer = _post(channel.url, content=raw, headers=headers)
    if isinstance(answer, Outcome):
        return answer
    return _http_outcome(answer) or Outcome(True, answer.status_code, excerpt(answer.text))


SENDERS: dict[str, Callable[[Channel, Message], Outcome]] = {
    ChannelKind.WECOM: send_wecom,
    ChannelKind.DINGTALK: send_dingtalk,
    ChannelKind.FEISHU: send_feishu,
    ChannelKind.URL: send_url,
}


def send(channel: Channel, message: Message) -> Outcome:
    return SENDERS[channel.kind](channel, message)
