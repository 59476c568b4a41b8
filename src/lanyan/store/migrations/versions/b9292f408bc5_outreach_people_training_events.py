"""outreach takes over the people, training, open-day, survey and outreach tables of the plans engine

Revision ID: b9292f408bc5
Revises: c3a9e1f2b7d4
Create Date: 2026-11-24 08:53:13.426246
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "b9292f408bc5"
down_revision: str | None = "c3a9e1f2b7d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Data: the plans engine's interim tables move here with their ids, so training records keep
# pointing at their people. A person's single certificate date becomes one certificate row.
FORWARD = [
    """INSERT INTO outreach_people (id, code, name, kind, jurisdiction_id, unit_id, station_id,
        position, phone, joined_on, left_on, created_at, updated_at)
       SELECT id, code, '', kind, jurisdiction_id, unit_id, NULL, '', '', joined_on, left_on,
        created_at, updated_at FROM plans_people""",
    """INSERT INTO outreach_certifications (person_id, name, number, issued_on, valid_until,
        created_at, updated_at)
       SELECT id, '职业技能证书', '', NULL, certificate_valid_until, created_at, updated_at
       FROM plans_people WHERE certificate_valid_until IS NOT NULL""",
    """INSERT INTO outreach_training_records (id, kind, speciality, title, jurisdiction_id,
        unit_id, person_id, held_on, year, hours, attendees, created_at, updated_at)
       SELECT id, kind, '', '', jurisdiction_id, unit_id, person_id, held_on, year, 0, attendees,
        created_at, updated_at FROM plans_training_records""",
    """INSERT INTO outreach_open_days (id, station_id, jurisdiction_id, day, year, month, visitors)
       SELECT id, station_id, jurisdiction_id, day, year, month, 0 FROM plans_open_days""",
    """INSERT INTO outreach_surveys (id, jurisdiction_id, title, surveyed_on, year, respondents,
        passed, educated, method, answer_key, source_file, created_at, updated_at)
       SELECT id, jurisdiction_id, '', surveyed_on, year, respondents, passed, educated, method,
        '', '', created_at, updated_at FROM plans_surveys""",
    """INSERT INTO outreach_events (id, title, kind, channel, jurisdiction_id, unit_id, held_on,
        year, volunteer_person_times, note, created_at, updated_at)
       SELECT id, title, 'publicity', 'other', jurisdiction_id, NULL, held_on, year,
        volunteer_person_times, '', created_at, updated_at FROM plans_outreach_activities""",
]
BACK = [
    """INSERT INTO plans_people (id, code, kind, jurisdiction_id, unit_id, joined_on, left_on,
        certificate_valid_until, created_at, updated_at)
       SELECT p.id, p.code, p.kind, p.jurisdiction_id, p.unit_id, p.joined_on, p.left_on,
        (SELECT MAX(c.valid_until) FROM outreach_certifications c WHERE c.person_id = p.id),
        p.created_at, p.updated_at FROM outreach_people p""",
    """INSERT INTO plans_training_records (id, kind, jurisdiction_id, unit_id, person_id, held_on,
        year, attendees, created_at, updated_at)
       SELECT id, kind, jurisdiction_id, unit_id, person_id, held_on, year, attendees, created_at,
        updated_at FROM outreach_training_records""",
    """INSERT INTO plans_open_days (id, station_id, jurisdiction_id, day, year, month)
       SELECT id, station_id, jurisdiction_id, day, year, month FROM outreach_open_days""",
    """INSERT INTO plans_surveys (id, jurisdiction_id, surveyed_on, year, respondents, passed,
        educated, method, created_at, updated_at)
       SELECT id, jurisdiction_id, surveyed_on, year, respondents, passed, educated, method,
        created_at, updated_at FROM outreach_surveys""",
    """INSERT INTO plans_outreach_activities (id, jurisdiction_id, held_on, year,
        volunteer_person_times, title, created_at, updated_at)
       SELECT id, jurisdiction_id, held_on, year, volunteer_person_times, title, created_at,
        updated_at FROM outreach_events""",
]


def _reset_sequences(tables: list[str]) -> None:
    """PostgreSQL: ids were copied explicitly, so move each id sequence past them."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def _copy_forward() -> None:
    for statement in FORWARD:
        op.execute(statement)
    _reset_sequences(
        [
            "outreach_people",
            "outreach_training_records",
            "outreach_open_days",
            "outreach_surveys",
            "outreach_events",
        ]
    )


def _copy_back() -> None:
    for statement in BACK:
        op.execute(statement)
    _reset_sequences(
        [
            "plans_people",
            "plans_training_records",
            "plans_open_days",
            "plans_surveys",
            "plans_outreach_activities",
        ]
    )


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "outreach_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("surveyed_on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("educated", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("answer_key", sa.String(length=60), nullable=False),
        sa.Column("source_file", sa.String(length=255), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "passed >= 0 AND educated >= 0 AND passed <= respondents AND educated <= respondents",
            name=op.f("ck_outreach_surveys_counts_within_respondents"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_outreach_surveys_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_surveys")),
    )
    with op.batch_alter_table("outreach_surveys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_surveys_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outreach_surveys_year"), ["year"], unique=False)

    op.create_table(
        "outreach_survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("respondent", sa.String(length=40), nullable=False),
        sa.Column("submitted_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("educated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["outreach_surveys.id"],
            name=op.f("fk_outreach_survey_responses_survey_id_outreach_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_survey_responses")),
    )
    with op.batch_alter_table("outreach_survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_survey_responses_survey_id"), ["survey_id"], unique=False
        )

    op.create_table(
        "outreach_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("volunteer_person_times", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "volunteer_person_times >= 0", name=op.f("ck_outreach_events_volunteers_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_outreach_events_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_outreach_events_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_events")),
    )
    with op.batch_alter_table("outreach_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_events_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outreach_events_year"), ["year"], unique=False)

    op.create_table(
        "outreach_event_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "count >= 0", name=op.f("ck_outreach_event_participants_count_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outreach_events.id"],
            name=op.f("fk_outreach_event_participants_event_id_outreach_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_event_participants")),
        sa.UniqueConstraint("event_id", "group", name="uq_outreach_event_participants_event_group"),
    )
    op.create_table(
        "outreach_open_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("visitors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_outreach_open_days_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_outreach_open_days_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_open_days")),
    )
    with op.batch_alter_table("outreach_open_days", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_open_days_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index("ix_outreach_open_days_year", ["year", "station_id"], unique=False)
        batch_op.create_index(
            "uq_outreach_open_days_station_day", ["station_id", "day"], unique=True
        )

    op.create_table(
        "outreach_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "left_on IS NULL OR left_on >= joined_on",
            name=op.f("ck_outreach_people_left_after_joined"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_outreach_people_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_outreach_people_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_outreach_people_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_people")),
        sa.UniqueConstraint("code", name=op.f("uq_outreach_people_code")),
    )
    with op.batch_alter_table("outreach_people", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outreach_people_kind_jurisdiction", ["kind", "jurisdiction_id"], unique=False
        )

    op.create_table(
        "outreach_certifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "issued_on IS NULL OR valid_until >= issued_on",
            name=op.f("ck_outreach_certifications_valid_after_issued"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["outreach_people.id"],
            name=op.f("fk_outreach_certifications_person_id_outreach_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_certifications")),
    )
    with op.batch_alter_table("outreach_certifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outreach_certifications_person_valid", ["person_id", "valid_until"], unique=False
        )

    op.create_table(
        "outreach_health_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("institution", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["outreach_people.id"],
            name=op.f("fk_outreach_health_checks_person_id_outreach_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_health_checks")),
    )
    with op.batch_alter_table("outreach_health_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_health_checks_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "outreach_training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("speciality", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "attendees >= 0", name=op.f("ck_outreach_training_records_attendees_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_outreach_training_records_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["outreach_people.id"],
            name=op.f("fk_outreach_training_records_person_id_outreach_people"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_outreach_training_records_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_training_records")),
    )
    with op.batch_alter_table("outreach_training_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outreach_training_records_kind_year",
            ["kind", "year", "jurisdiction_id", "unit_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_outreach_training_records_person", ["person_id", "year"], unique=False
        )

    op.create_table(
        "outreach_volunteer_participations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outreach_events.id"],
            name=op.f("fk_outreach_volunteer_participations_event_id_outreach_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["outreach_people.id"],
            name=op.f("fk_outreach_volunteer_participations_person_id_outreach_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_volunteer_participations")),
        sa.UniqueConstraint(
            "event_id", "person_id", name="uq_outreach_volunteer_participations_event_person"
        ),
    )
    with op.batch_alter_table("outreach_volunteer_participations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_volunteer_participations_person_id"),
            ["person_id"],
            unique=False,
        )

    _copy_forward()

    with op.batch_alter_table("plans_training_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_training_records_kind_year"))

    op.drop_table("plans_training_records")
    with op.batch_alter_table("plans_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_people_kind_jurisdiction"))

    op.drop_table("plans_people")
    with op.batch_alter_table("plans_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_surveys_jurisdiction_id"))
        batch_op.drop_index(batch_op.f("ix_plans_surveys_year"))

    op.drop_table("plans_surveys")
    with op.batch_alter_table("plans_open_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_open_days_jurisdiction_id"))
        batch_op.drop_index(batch_op.f("ix_plans_open_days_year"))
        batch_op.drop_index(batch_op.f("uq_plans_open_days_station_day"))

    op.drop_table("plans_open_days")
    with op.batch_alter_table("plans_outreach_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_outreach_activities_jurisdiction_id"))
        batch_op.drop_index(batch_op.f("ix_plans_outreach_activities_year"))

    op.drop_table("plans_outreach_activities")
    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "plans_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("certificate_valid_until", sa.Date(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_plans_people_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_plans_people_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans_people")),
        sa.UniqueConstraint("code", name=op.f("uq_plans_people_code")),
    )
    with op.batch_alter_table("plans_people", schema=None) as batch_op:
        batch_op.create_index(
            "ix_plans_people_kind_jurisdiction", ["kind", "jurisdiction_id"], unique=False
        )
    op.create_table(
        "plans_training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_plans_training_records_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["plans_people.id"],
            name=op.f("fk_plans_training_records_person_id_plans_people"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_plans_training_records_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans_training_records")),
    )
    with op.batch_alter_table("plans_training_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_plans_training_records_kind_year",
            ["kind", "year", "jurisdiction_id", "unit_id"],
            unique=False,
        )
    op.create_table(
        "plans_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("surveyed_on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("educated", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_plans_surveys_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans_surveys")),
    )
    with op.batch_alter_table("plans_surveys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plans_surveys_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plans_surveys_year"), ["year"], unique=False)
    op.create_table(
        "plans_open_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_plans_open_days_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_plans_open_days_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans_open_days")),
    )
    with op.batch_alter_table("plans_open_days", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plans_open_days_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index("ix_plans_open_days_year", ["year", "station_id"], unique=False)
        batch_op.create_index("uq_plans_open_days_station_day", ["station_id", "day"], unique=True)
    op.create_table(
        "plans_outreach_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("volunteer_person_times", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_plans_outreach_activities_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans_outreach_activities")),
    )
    with op.batch_alter_table("plans_outreach_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plans_outreach_activities_jurisdiction_id"),
            ["jurisdiction_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_plans_outreach_activities_year"), ["year"], unique=False
        )
    _copy_back()

    with op.batch_alter_table("outreach_volunteer_participations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_volunteer_participations_person_id"))

    op.drop_table("outreach_volunteer_participations")
    with op.batch_alter_table("outreach_training_records", schema=None) as batch_op:
        batch_op.drop_index("ix_outreach_training_records_person")
        batch_op.drop_index("ix_outreach_training_records_kind_year")

    op.drop_table("outreach_training_records")
    with op.batch_alter_table("outreach_health_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_health_checks_person_id"))

    op.drop_table("outreach_health_checks")
    with op.batch_alter_table("outreach_certifications", schema=None) as batch_op:
        batch_op.drop_index("ix_outreach_certifications_person_valid")

    op.drop_table("outreach_certifications")
    with op.batch_alter_table("outreach_people", schema=None) as batch_op:
        batch_op.drop_index("ix_outreach_people_kind_jurisdiction")

    op.drop_table("outreach_people")
    with op.batch_alter_table("outreach_open_days", schema=None) as batch_op:
        batch_op.drop_index("uq_outreach_open_days_station_day")
        batch_op.drop_index("ix_outreach_open_days_year")
        batch_op.drop_index(batch_op.f("ix_outreach_open_days_jurisdiction_id"))

    op.drop_table("outreach_open_days")
    op.drop_table("outreach_event_participants")
    with op.batch_alter_table("outreach_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_events_year"))
        batch_op.drop_index(batch_op.f("ix_outreach_events_jurisdiction_id"))

    op.drop_table("outreach_events")
    with op.batch_alter_table("outreach_survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_survey_responses_survey_id"))

    op.drop_table("outreach_survey_responses")
    with op.batch_alter_table("outreach_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_surveys_year"))
        batch_op.drop_index(batch_op.f("ix_outreach_surveys_jurisdiction_id"))

    op.drop_table("outreach_surveys")
    # ### end Alembic commands ###
