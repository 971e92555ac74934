"""reorganization: classifier labels and successors of sections

Revision ID: 0007_reorganization
Revises: 0006_past_records
Create Date: 2026-11-27 16:32:06.053902

A 課 keeps the label the classifier knows it by when it is renamed (its name until now), and a retired
課 may name the 課 that took over its duties.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_reorganization'
down_revision = '0006_past_records'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('classifier_label', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('successor_id', sa.Integer(), nullable=True))
    op.execute("UPDATE sections SET classifier_label = name")
    with op.batch_alter_table('sections', schema=None) as batch_op:
        batch_op.alter_column('classifier_label', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_sections_classifier_label'), ['classifier_label'])
        batch_op.create_foreign_key(batch_op.f('fk_sections_successor_id_sections'), 'sections', ['successor_id'], ['id'])


def downgrade():
    with op.batch_alter_table('sections', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sections_successor_id_sections'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_sections_classifier_label'), type_='unique')
        batch_op.drop_column('successor_id')
        batch_op.drop_column('classifier_label')
