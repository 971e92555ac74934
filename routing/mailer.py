"""Outgoing e-mail over SMTP, configured by MAIL_* settings of the app."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


class MailNotConfigured(RuntimeError):
    """No SMTP server is configured (the embedded default)."""


def send_mail(to: str, subject: str, body: str) -> str:
    """Send a plain-text UTF-8 e-mail; returns its Message-ID."""
    config = current_app.config
    server = config.get("MAIL_SERVER")
    if not server:
        raise MailNotConfigured("MAIL_SERVER が設定されていません。")
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=config["MAIL_SENDER"].rpartition("@")[2] or None)
    message.set_content(body, charset="utf-8")
    with smtplib.SMTP(server, int(config.get("MAIL_PORT", 25)), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)
    return message["Message-ID"]
