"""API tokens: issued by an administrator, shown once, stored as a hash, sent as ``Authorization: Bearer``."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select

from models import API_SCOPES, ApiToken, User, audit, db, utcnow

TOKEN_PREFIX = "mv_"
LAST_USED_RESOLUTION = timedelta(minutes=5)  # do not write on every request


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(name: str, scopes: list[str] | None = None, actor: User | None = None) -> tuple[ApiToken, str]:
    """Create a token for an integration; returns the row and the token itself (shown only now)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValueError("名前を100文字以内で入力してください。")
    scopes = sorted(set(scopes or API_SCOPES))
    unknown = [s for s in scopes if s not in API_SCOPES]
    if unknown:
        raise ValueError(f"不明な権限です: {', '.join(unknown)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=hash_token(token), prefix=token[:10], scopes=scopes,
                   created_by_id=actor.id if actor else None)
    db.session.add(row)
    db.session.flush()
    audit(actor, "api_token.issue", "api_token", row.id, name=name, scopes=scopes)
    db.session.commit()
    return row, token


def revoke_token(token_id: int, actor: User | None = None) -> ApiToken | None:
    row = db.session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        audit(actor, "api_token.revoke", "api_token", row.id, name=row.name)
        db.session.commit()
    return row


def token_from_header(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate(token: str | None) -> ApiToken | None:
    """The active token row matching ``token``, or None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    digest = hash_token(token)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
        db.session.commit()
    return row
