"""Who is asking, from where: the request id and client address, for the audit trail."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_NONE = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("guanxi_request_context", default=_NONE)  # noqa: B039 (frozen)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)
