"""API tokens: issued by an administrator, shown once, stored as a hash, sent as ``Authorization: Bearer``.

A token works until the expiry the administrator chose (there is no unlimited token). A ``voices:read``
token reads the voices of the 課 chosen at issue, or of every 課 when the administrator chose that
explicitly (``all_sections``).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select

from models import (
    API_SCOPES,
    DEFAULT_TOKEN_LIFETIME_DAYS,
    TOKEN_LIFETIMES_DAYS,
    ApiToken,
    Section,
    User,
    audit,
    db,
    utcnow,
)

TOKEN_PREFIX = "mv_"
LAST_USED_RESOLUTION = timedelta(minutes=5)  # do not write on every request
READ_SCOPE = "voices:read"


class TokenIssueError(ValueError):
    """A token that cannot be issued as asked; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class TokenExpired(Exception):
    """The token was valid but its time is up; ``token`` is its row."""

    def __init__(self, token: ApiToken):
        super().__init__(f"API token #{token.id} expired at {token.expires_at.isoformat()}")
        self.token = token


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(name: str, scopes: list[str] | None = None, actor: User | None = None, *,
                days: int = DEFAULT_TOKEN_LIFETIME_DAYS, section_ids: Iterable[int] = (),
                all_sections: bool = False) -> tuple[ApiToken, str]:
    """Create a token for an integration; returns the row and the token itself (shown only now).

    A token with ``voices:read`` needs either ``section_ids`` (the 課 whose voices it may read) or
    ``all_sections`` — never both, never neither — so reading every 課 is always a deliberate choice.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise TokenIssueError("名前を100文字以内で入力してください。", "name")
    scopes = sorted(set(scopes or API_SCOPES))
    unknown = [s for s in scopes if s not in API_SCOPES]
    if unknown:
        raise TokenIssueError(f"不明な権限です: {', '.join(unknown)}", "scopes")
    if days not in TOKEN_LIFETIMES_DAYS:
        raise TokenIssueError(
            f"有効期間は {'・'.join(str(d) for d in TOKEN_LIFETIMES_DAYS)} 日のいずれかにしてください。", "days")
    sections = _readable_sections(scopes, set(section_ids), all_sections)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(name=name, token_hash=hash_token(token), prefix=token[:10], scopes=scopes,
                   all_sections=all_sections, sections=sections, created_at=now,
                   expires_at=now + timedelta(days=days), created_by_id=actor.id if actor else None)
    db.session.add(row)
    db.session.flush()
    audit(actor, "api_token.issue", "api_token", row.id, name=name, scopes=scopes, days=days,
          expires_at=row.expires_at.isoformat(), all_sections=all_sections,
          sections=[section.name for section in sections])
    db.session.commit()
    return row, token


def read_choice_problem(scopes: Iterable[str], section_ids: Iterable[int], all_sections: bool
                        ) -> TokenIssueError | None:
    """What is wrong with the choice of 課 a token may read, or None: a ``voices:read`` token needs chosen 課
    or every 課 (never both, never neither); a token without that scope reads no voices at all."""
    if READ_SCOPE not in scopes:
        if section_ids or all_sections:
            return TokenIssueError(f"読める課は、権限「{API_SCOPES[READ_SCOPE]}」を与えるときだけ選べます。", "read_range")
        return None
    if all_sections and section_ids:
        return TokenIssueError("「すべての課の声」を選んだときは、課を個別に選ばないでください。", "section_ids")
    if not all_sections and not section_ids:
        return TokenIssueError("声を読める課を選ぶか、「すべての課の声」を選んでください。", "read_range")
    return None


def _readable_sections(scopes: list[str], section_ids: set[int], all_sections: bool) -> list[Section]:
    """The active 課 a new token may read, after checking the choice is explicit and consistent."""
    problem = read_choice_problem(scopes, section_ids, all_sections)
    if problem is not None:
        raise problem
    if not section_ids:
        return []
    sections = list(db.session.scalars(select(Section).where(Section.id.in_(section_ids)).order_by(Section.id)))
    if len(sections) != len(section_ids) or not all(section.active for section in sections):
        raise TokenIssueError("読める課は、有効な課から選んでください。", "section_ids")
    return sections


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
    """The active token row matching ``token``, or None; raises ``TokenExpired`` for a token that was
    valid (not revoked) until its expiry."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    digest = hash_token(token)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        return None
    now = utcnow()
    if row.expired(now):
        raise TokenExpired(row)
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
        db.session.commit()
    return row


def may_read_section(token: ApiToken, section: Section) -> bool:
    """Whether ``token`` may list the voices of ``section`` (the 課 handling them today).

    The voices of a 課 include those of the retired 課 whose duties passed to it, as for its staff
    (``voices.access.visible_voices``). A token restricted to a 課 that was itself retired into another
    reads nothing more, so a reorganization never widens what an integration reads: the administrator
    issues a new token for the 課 that took over.
    """
    return token.all_sections or any(chosen.id == section.id for chosen in token.sections)
