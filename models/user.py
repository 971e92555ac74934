"""Staff accounts and their roles."""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import UTCDateTime, db, utcnow

ROLES: dict[str, str] = {
    "admin": "管理者",
    "hearing": "広聴担当",
    "counter": "窓口・電話担当",
    "section_staff": "担当課職員",
    "section_head": "担当課長",
    "planner": "企画・行政改革担当",
}


class User(UserMixin, db.Model):
    """A staff member who signs in; section staff and heads belong to one 課."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    email: Mapped[str] = mapped_column(String(254), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    section: Mapped[Section | None] = relationship()  # noqa: F821

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def set_password(self, password: str, method: str = "scrypt") -> None:
        """Store a salted hash; tests pass a cheaper ``method`` to stay fast."""
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def password_stamp(self) -> str:
        """Changes whenever the password does: a sign-in made before a reset no longer counts."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:
        """What the session keeps (Flask-Login): the id and the password stamp."""
        return f"{self.id}:{self.password_stamp}"
