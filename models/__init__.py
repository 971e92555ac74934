"""SQLAlchemy models of みらいボイス, one module per aggregate."""
from models.base import Base, UTCDateTime, db, utcnow
from models.model_version import ModelVersion
from models.organization import Department, Section
from models.outbox import JobRecord
from models.reform import ActionItem, Means, Measure, Stance
from models.setting import Setting, get_setting, set_setting
from models.user import ROLES, User
from models.voice import (
    AGE_GROUPS,
    CHANNELS,
    STATUSES,
    VOICE_TYPES,
    AppendOnlyError,
    Assignment,
    Classification,
    Voice,
    VoiceEvent,
)

__all__ = [
    "AGE_GROUPS", "CHANNELS", "ROLES", "STATUSES", "VOICE_TYPES",
    "ActionItem", "AppendOnlyError", "Assignment", "Base", "Classification", "Department",
    "JobRecord", "Means", "Measure", "ModelVersion", "Section", "Setting", "Stance", "User",
    "UTCDateTime", "Voice", "VoiceEvent", "db", "get_setting", "set_setting", "utcnow",
]
