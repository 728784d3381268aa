"""The outermost ASGI layer: fires faults and writes the journal.

It sits outside Starlette's own middleware so that `send` is still uvicorn's: a `drop` fault
needs the connection's transport, which Starlette's wrappers would hide.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_portal import messages
from mock_portal.faults import FaultKind, FaultSpec, screen_of
from mock_portal.journal import NOTE_KEY, RequestNote
from mock_portal.rendering import encode_page, render_text
from mock_portal.state import PortalState

_PLAIN_ERRORS = {
    FaultKind.HTTP_500: (500, "500 Internal Server Error"),
    FaultKind.HTTP_503: (503, "503 Service Unavailable"),
}


class ConnectionDropped(Exception):
    """Raised to abort a response when the server offers no transport to close."""


@dataclass
class Captured:
    """A response held back so that an "after" fault can replace or cut it."""

    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


def _with_length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    return [*kept, (b"content-length", str(length).encode())]


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _respond_html(send: Send, status: int, html: str) -> None:
    body, content_type = encode_page(html)
    headers = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", b"%d" % len(body)),
    ]
    await _respond(send, status, headers, body)


async def _drop(send: Send) -> None:
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None:
        transport.close()
        # Let connection_lost run first: uvicorn then sees a disconnect, not an app that
        # forgot to answer (which it would "fix" with a 500).
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]}
    )
    raise ConnectionDropped("dropped by a fault")


async def _hold(seconds: float, receive: Receive) -> Receive | None:
    """Hold a request back for `seconds`, or less: None as soon as its client goes away (a
    browser that gave up on a navigation closes the connection), so that nothing is left
    waiting on a client that no longer wants the answer. Otherwise the `receive` to go on with:
    the request's body read meanwhile first, then the connection's own."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    early: list[Message] = []
    while (left := deadline - loop.time()) > 0:
        try:
            # After the body, `receive` waits for the client to go away (ASGI's http.disconnect).
            message = await asyncio.wait_for(receive(), left)
        except TimeoutError:
            break
        if message["type"] == "http.disconnect":
            return None
        early.append(message)

    async def held() -> Message:
        return early.pop(0) if early else await receive()

    return held


class PortalLayer:
    """Journal every screen request and apply the fault (if any) that fires for it."""

    def __init__(self, app: ASGIApp, state: PortalState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/_control"):
            await self.app(scope, receive, send)
            return
        note = scope[NOTE_KEY] = RequestNote()
        fault = self.state.faults.pick(scope["method"], path)
        if fault is None:
            captured_status = await self._forward(scope, receive, send)
            self._record(scope, note, captured_status)
        elif fault.phase == "before" and fault.kind is not FaultKind.TRUNCATE:
            await self._before(fault, scope, receive, send, note)
        else:
            await self._after(fault, scope, receive, send, note)

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> int | None:
        status: list[int] = []

        async def watching_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watching_send)
        return status[0] if status else None

    async def _before(
        self, fault: FaultSpec, scope: Scope, receive: Receive, send: Send, note: RequestNote
    ) -> None:
        if fault.kind is FaultKind.DELAY:
            self._record_fault(scope, fault, None)
            held = await _hold(fault.delay_seconds or 0, receive)
            if held is not None:  # a client that went away meanwhile gets nothing processed
                self._record(scope, note, await self._forward(scope, held, send))
            return
        await self._emit(fault, scope, send, None)

    async def _after(
        self, fault: FaultSpec, scope: Scope, receive: Receive, send: Send, note: RequestNote
    ) -> None:
        captured = Captured()
        await self.app(scope, receive, captured.send)
        self._record(scope, note, captured.status)
        await self._emit(fault, scope, send, captured, receive, account=note.account)

    async def _emit(
        self,
        fault: FaultSpec,
        scope: Scope,
        send: Send,
        captured: Captured | None,
        receive: Receive | None = None,
        account: str | None = None,
    ) -> None:
        kind = fault.kind
        status: int | None
        if kind is FaultKind.DROP:
            self._record_fault(scope, fault, None, account)
            await _drop(send)
        elif kind in _PLAIN_ERRORS:
            status, text = _PLAIN_ERRORS[kind]
            self._record_fault(scope, fault, status, account)
            await _respond_html(
                send, status, f"<!DOCTYPE html><title>{text}</title><h1>{text}</h1>"
            )
        elif kind is FaultKind.MAINTENANCE:
            self._record_fault(scope, fault, 503, account)
            await _respond_html(
                send, 503, render_text("maintenance.html", screen=messages.MAINTENANCE_TITLE)
            )
        elif kind is FaultKind.HTML_200:
            self._record_fault(scope, fault, 200, account)
            await _respond_html(
                send, 200, render_text("system_error.html", screen=messages.SYSTEM_ERROR_TITLE)
            )
        elif captured is not None:
            status = captured.status
            self._record_fault(scope, fault, status, account)
            if kind is FaultKind.DELAY:
                if receive is not None and await _hold(fault.delay_seconds or 0, receive) is None:
                    return  # processed, but its client went away: no answer to give
                body = bytes(captured.body)
            else:
                body = bytes(captured.body[: len(captured.body) // 2])
            await _respond(send, status, _with_length(captured.headers, len(body)), body)

    def _record(self, scope: Scope, note: RequestNote, status: int | None) -> None:
        path: str = scope["path"]
        if path.startswith("/static/") or path == "/favicon.ico":
            return
        self.state.journal.record(
            at=self.state.now().isoformat(),
            method=scope["method"],
            path=path,
            screen=screen_of(path),
            outcome=note.outcome,
            status=status,
            account=note.account,
            detail=note.detail,
        )

    def _record_fault(
        self, scope: Scope, fault: FaultSpec, status: int | None, account: str | None = None
    ) -> None:
        self.state.journal.record(
            at=self.state.now().isoformat(),
            method=scope["method"],
            path=scope["path"],
            screen=screen_of(scope["path"]),
            outcome=f"fault:{fault.kind.value}",
            status=status,
            account=account,
            detail=fault.phase,
        )
