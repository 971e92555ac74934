"""SQLAlchemy models of みらいボイス, one module per aggregate."""
from models.api_token import (
    API_SCOPES,
    DEFAULT_TOKEN_LIFETIME_DAYS,
    TOKEN_LIFETIMES_DAYS,
    ApiToken,
)
from models.audit import AuditLog, audit
from models.base import Base, UTCDateTime, db, utcnow
from models.import_job import IMPORT_KINDS, IMPORT_STATES, ImportJob
from models.meeting import MEETING_KINDS, Meeting
from models.model_version import ModelVersion
from models.organization import (
    Department,
    Section,
    active_sections,
    label_targets,
    ranked_targets,
    section_names_now,
    sections_handled_by,
)
from models.outbox import JobRecord
from models.planning import (
    ACTION_ITEM_STATUSES,
    MeasureRollup,
    RollupState,
    VoiceActionItem,
    VoicePublication,
    VoiceReflection,
)
from models.reform import ActionItem, Means, Measure, Stance
from models.reply import (
    AWAITING_REPLY_STATES,
    EDITABLE_REPLY_STATES,
    REPLY_METHODS,
    REPLY_STATES,
    Reply,
    ReplyTemplate,
)
from models.routing_rule import MATCH_TYPES, RoutingRule
from models.setting import Setting, get_setting, set_setting
from models.sign_in import SESSION_END_REASONS, LoginFailure, StaffSession
from models.similar import SimilarVoice
from models.user import ROLES, User
from models.voice import (
    AGE_GROUPS,
    CHANNELS,
    DONE_STATUSES,
    STATUSES,
    UNCOUNTED_NO_ACTION_REASONS,
    VOICE_TYPES,
    AppendOnlyError,
    Assignment,
    Classification,
    Voice,
    VoiceEvent,
    VoiceMeasure,
)

__all__ = [
    "ACTION_ITEM_STATUSES",
    "AGE_GROUPS",
    "API_SCOPES",
    "AWAITING_REPLY_STATES",
    "CHANNELS",
    "DEFAULT_TOKEN_LIFETIME_DAYS",
    "DONE_STATUSES",
    "EDITABLE_REPLY_STATES",
    "IMPORT_KINDS",
    "IMPORT_STATES",
    "MATCH_TYPES",
    "MEETING_KINDS",
    "REPLY_METHODS",
    "REPLY_STATES",
    "ROLES",
    "SESSION_END_REASONS",
    "STATUSES",
    "TOKEN_LIFETIMES_DAYS",
    "UNCOUNTED_NO_ACTION_REASONS",
    "VOICE_TYPES",
    "ActionItem",
    "ApiToken",
    "AppendOnlyError",
    "Assignment",
    "AuditLog",
    "Base",
    "Classification",
    "Department",
    "ImportJob",
    "JobRecord",
    "LoginFailure",
    "Means",
    "Measure",
    "MeasureRollup",
    "Meeting",
    "ModelVersion",
    "Reply",
    "ReplyTemplate",
    "RollupState",
    "RoutingRule",
    "Section",
    "Setting",
    "SimilarVoice",
    "StaffSession",
    "Stance",
    "UTCDateTime",
    "User",
    "Voice",
    "VoiceActionItem",
    "VoiceEvent",
    "VoiceMeasure",
    "VoicePublication",
    "VoiceReflection",
    "active_sections",
    "audit",
    "db",
    "get_setting",
    "label_targets",
    "ranked_targets",
    "section_names_now",
    "sections_handled_by",
    "set_setting",
    "utcnow",
]
