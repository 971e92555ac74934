"""replies: withdraw unsent replies left on finished voices

Revision ID: 0008_withdraw_stale_replies
Revises: 0007_reorganization
Create Date: 2026-11-28 01:10:00

Since 完了, 対応なし and 転送 withdraw a voice's unsent replies, a reply still draft, returned, pending
or approved on a voice already 完了 or 対応なし is left over from before that rule. It can no longer be
approved or sent; this marks it withdrawn and records the withdrawal on the voice's timeline, as the
workflow now does. Data only; downgrading leaves the rows withdrawn.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_withdraw_stale_replies'
down_revision = '0007_reorganization'
branch_labels = None
depends_on = None

UNSENT = ("draft", "returned", "pending", "approved")  # models.reply's editable and awaiting states
FINISHED = {"closed": "完了にしたため", "no_action": "対応なしにしたため"}

voices = sa.table("voices", sa.column("id", sa.Integer), sa.column("status", sa.String))
replies = sa.table("replies", sa.column("id", sa.Integer), sa.column("voice_id", sa.Integer),
                   sa.column("state", sa.String))
voice_events = sa.table(
    "voice_events", sa.column("voice_id", sa.Integer), sa.column("kind", sa.String),
    sa.column("actor_id", sa.Integer), sa.column("actor_label", sa.String), sa.column("data", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade():
    bind = op.get_bind()
    stale = bind.execute(
        sa.select(replies.c.id, replies.c.voice_id, voices.c.status)
        .join(voices, voices.c.id == replies.c.voice_id)
        .where(replies.c.state.in_(UNSENT), voices.c.status.in_(tuple(FINISHED)))
        .order_by(replies.c.id)
    ).all()
    if not stale:
        return
    now = datetime.now(UTC)
    bind.execute(replies.update().where(replies.c.id.in_([row.id for row in stale])).values(state="withdrawn"))
    bind.execute(voice_events.insert(), [
        {"voice_id": row.voice_id, "kind": "reply_withdrawn", "actor_id": None, "actor_label": "system",
         "data": {"reply_id": row.id, "reason": FINISHED[row.status]}, "created_at": now}
        for row in stale
    ])


def downgrade():
    pass  # which replies were open before cannot be told apart from those the workflow withdrew
