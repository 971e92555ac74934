"""受付番号 and 確認コード: what a citizen needs to look up a voice later."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
# No 0/O, 1/I/L: codes are read aloud on the phone and typed by elderly citizens.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# An idempotency token as a form or an API client sends it: what new_client_token makes, with room for
# clients' own.
CLIENT_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,48}")


def fiscal_year(moment: datetime) -> int:
    """The 年度 (April–March) a moment falls in, judged in JST."""
    local = moment.astimezone(JST)
    return local.year if local.month >= 4 else local.year - 1


def receipt_number(voice_id: int, received_at: datetime) -> str:
    """A 受付番号 such as ``2026-000042``: 年度 and a number unique across the installation."""
    return f"{fiscal_year(received_at)}-{voice_id:06d}"


def new_client_token() -> str:
    """A random token that makes a submission idempotent."""
    return secrets.token_urlsafe(24)


def namespaced_token(namespace: str, raw: str | None) -> str | None:
    """A form's idempotency token in its channel's namespace, or None when it is not well formed (a
    fresh token is then made). A token from the citizens' form can so never name a voice that came
    in another way, such as an imported remark, whose token is a hash of its published content."""
    return f"{namespace}-{raw}" if raw and CLIENT_TOKEN.fullmatch(raw) else None


def access_code_for(secret_key: str, client_token: str) -> str:
    """The 確認コード of a submission, derived from its token so a double-submit can show it again."""
    digest = hmac.new(secret_key.encode(), b"access-code:" + client_token.encode(), hashlib.sha256).digest()
    return "".join(_CODE_ALPHABET[b % len(_CODE_ALPHABET)] for b in digest[:CODE_LENGTH])


def hash_access_code(code: str) -> str:
    """What is stored instead of the code itself."""
    return hashlib.sha256(normalize_access_code(code).encode()).hexdigest()


def normalize_access_code(code: str) -> str:
    """Accept lower case, full-width characters and stray spaces or hyphens as typed by citizens."""
    text = unicodedata.normalize("NFKC", code or "").upper()
    return "".join(ch for ch in text if ch.isalnum())


def access_code_matches(code: str, stored_hash: str) -> bool:
    """Constant-time check of a typed code against the stored hash."""
    return hmac.compare_digest(hash_access_code(code), stored_hash)
