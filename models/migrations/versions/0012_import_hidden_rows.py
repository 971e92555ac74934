"""imports: hidden rows counted apart, and notices about a file

Revision ID: 0012_import_hidden_rows
Revises: 0011_api_token_expiry_scope
Create Date: 2026-11-30 10:00:00

A check now records how many data rows Excel does not show (hidden by hand or filtered out) and their
numbers as ranges, so the import page and the CLI list them apart from the other bad rows, and notices
that are no error (a hidden column that is not imported, a hidden sheet that is not read). Imports
checked before this revision have 0 hidden rows and no notices: their hidden rows stay listed among
their errors as they were.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_import_hidden_rows'
down_revision = '0011_api_token_expiry_scope'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_rows', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('hidden_row_ranges', sa.JSON(), server_default=sa.text("'[]'"),
                                      nullable=False))
        batch_op.add_column(sa.Column('notices', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))


def downgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('notices')
        batch_op.drop_column('hidden_row_ranges')
        batch_op.drop_column('hidden_rows')
