"""api tokens: an expiry date, and the 課 a read token may read

Revision ID: 0011_api_token_expiry_scope
Revises: 0010_login_failures
Create Date: 2026-11-29 10:00:00

Every API token now has ``expires_at``; the administrator chooses 30, 90, 180 or 365 days when issuing
one, and there is no unlimited token. Tokens issued before this revision had no expiry: they are given
90 days from the moment this migration runs, rather than being left unlimited (an integration keeps
working meanwhile, and the administrator sees the date on the token list and issues a replacement in
time). Revoked tokens get the same date; it changes nothing for them.

A ``voices:read`` token reads only the voices of the 課 listed in ``api_token_sections``, unless
``all_sections`` is set, which the administrator must now choose explicitly. Existing tokens with
``voices:read`` could read every 課 until now, so they keep ``all_sections`` (and lose it when they
expire and are replaced); tokens without that scope get false. Downgrading drops the expiry and the
restriction: every token is then unlimited and reads every 課 again.
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_api_token_expiry_scope'
down_revision = '0010_login_failures'
branch_labels = None
depends_on = None

EXISTING_TOKEN_LIFETIME = timedelta(days=90)

api_tokens = sa.table(
    "api_tokens", sa.column("id", sa.Integer), sa.column("scopes", sa.JSON),
    sa.column("all_sections", sa.Boolean), sa.column("expires_at", sa.DateTime(timezone=True)),
)


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('all_sections', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))

    bind = op.get_bind()
    expires_at = datetime.now(UTC) + EXISTING_TOKEN_LIFETIME
    for token_id, scopes in bind.execute(sa.select(api_tokens.c.id, api_tokens.c.scopes)).all():
        bind.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(
            expires_at=expires_at, all_sections="voices:read" in (scopes or [])))

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('all_sections', existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    op.create_table('api_token_sections',
    sa.Column('api_token_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['api_token_id'], ['api_tokens.id'], name=op.f('fk_api_token_sections_api_token_id_api_tokens')),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_api_token_sections_section_id_sections')),
    sa.PrimaryKeyConstraint('api_token_id', 'section_id', name=op.f('pk_api_token_sections'))
    )


def downgrade():
    op.drop_table('api_token_sections')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('all_sections')
