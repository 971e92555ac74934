"""SQLAlchemy models of みらいボイス, one module per aggregate."""
from models.audit import AuditLog, audit
from models.base import Base, UTCDateTime, db, utcnow
from models.api_token import API_SCOPES, ApiToken
from models.import_job import IMPORT_KINDS, IMPORT_STATES, ImportJob
from models.meeting import MEETING_KINDS, Meeting
from models.model_version import ModelVersion
from models.organization import Department, Section
from models.outbox import JobRecord
from models.reform import ActionItem, Means, Measure, Stance
from models.planning import (
    ACTION_ITEM_STATUSES, MeasureRollup, RollupState, VoiceActionItem, VoicePublication, VoiceReflection,
)
from models.reply import REPLY_METHODS, REPLY_STATES, Reply, ReplyTemplate
from models.routing_rule import MATCH_TYPES, RoutingRule
from models.similar import SimilarVoice
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
    VoiceMeasure,
)

__all__ = [
    "API_SCOPES", "IMPORT_KINDS", "IMPORT_STATES", "MEETING_KINDS", "ApiToken", "ImportJob", "Meeting",
    "SimilarVoice",
    "AGE_GROUPS", "CHANNELS", "MATCH_TYPES", "REPLY_METHODS", "REPLY_STATES", "ROLES", "STATUSES",
    "VOICE_TYPES", "AuditLog", "Reply", "ReplyTemplate", "RoutingRule", "audit",
    "ActionItem", "AppendOnlyError", "Assignment", "Base", "Classification", "Department",
    "JobRecord", "Means", "Measure", "ModelVersion", "Section", "Setting", "Stance", "User",
    "UTCDateTime", "Voice", "VoiceEvent", "VoiceMeasure", "db", "get_setting", "set_setting", "utcnow",
    "ACTION_ITEM_STATUSES", "MeasureRollup", "RollupState", "VoiceActionItem", "VoicePublication", "VoiceReflection",
]
