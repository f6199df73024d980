"""Per-clinic audit chains: audit_entry.clinic_id, prev_hash unique per clinic, and the stored
verified checkpoint each clinic's chain walk starts from.

The hashed body now includes clinic_id, so entries written before this revision cannot be
re-chained: no production database exists yet, and the upgrade refuses a non-empty trail
rather than leave chains that no longer verify.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 05:26:32.160704

"""
from alembic import op
import sqlalchemy as sa
import smp_hygiene.models.base


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().execute(sa.text("SELECT count(*) FROM audit_entry")).scalar():
        raise RuntimeError(
            "audit_entry has rows written under the old, single-chain hash scheme: "
            "re-create this database (there is no production data to carry over)."
        )
    op.create_table('chain_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('verified_at', smp_hygiene.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_chain_checkpoint_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_checkpoint')),
    sa.UniqueConstraint('clinic_id', name=op.f('uq_chain_checkpoint_clinic_id'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clinic_id', sa.Integer(), nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_audit_entry_prev_hash'), type_='unique')
        batch_op.create_index('ix_audit_entry_clinic_chain', ['clinic_id', 'id'], unique=False)
        batch_op.create_unique_constraint('uq_audit_entry_clinic_prev_hash', ['clinic_id', 'prev_hash'])
        batch_op.create_foreign_key(batch_op.f('fk_audit_entry_clinic_id_clinic'), 'clinic', ['clinic_id'], ['id'])



def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_entry_clinic_id_clinic'), type_='foreignkey')
        batch_op.drop_constraint('uq_audit_entry_clinic_prev_hash', type_='unique')
        batch_op.drop_index('ix_audit_entry_clinic_chain')
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entry_prev_hash'), ['prev_hash'])
        batch_op.drop_column('clinic_id')

    op.drop_table('chain_checkpoint')
