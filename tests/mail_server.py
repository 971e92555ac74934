"""A real local SMTP server (aiosmtpd) that keeps what it receives, for e-mail tests."""
from __future__ import annotations

import email
import socket
from email.message import Message

from aiosmtpd.controller import Controller


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalSMTP:
    """Start with ``start()``; ``messages`` lists every e-mail received; ``stop()`` when done."""

    def __init__(self) -> None:
        self.port = free_port()
        self._inbox = _Inbox()
        self._controller = Controller(self._inbox, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[Message]:
        return self._inbox.messages

    def start(self) -> LocalSMTP:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def text_of(message: Message) -> str:
    """The decoded plain-text body."""
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def subject_of(message: Message) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message["Subject"])))
