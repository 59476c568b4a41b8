"""Create, read, update, delete and list for every object type, with scoping and audit.

The functions take a session, an ``ObjectType`` and the acting user's ``Scope``/``Actor``; the
caller owns the transaction (``unit_of_work``) so a failure anywhere writes nothing.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import ColumnDefault, UniqueConstraint, func, literal, or_, select, text
from sqlalchemy import delete as sql_delete
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.registry.models import Jurisdiction, Station
from lanyan.registry.scope import Scope, row_path
from lanyan.registry.types import ObjectType, Ref
from lanyan.store import audit, bulk
from lanyan.store.audit import Actor
from lanyan.store.base import table_of
from lanyan.store.paging import paginate

MAX_PAGE_SIZE = 500


def pydantic_problems(exc: PydanticValidationError, row: int | None = None) -> list[FieldProblem]:
    """Turn pydantic's errors into (field, rule) problems with plain messages."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(row)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "is not a field of this object type"
        out.append(FieldProblem(loc, msg, row))
    return out


def validate_input(ot: ObjectType, data: dict[str, Any], row: int | None = None) -> BaseModel:
    """Validate raw input with the Create schema and the type's cross-field rules."""
    try:
        payload = ot.create.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(f"{ot.en}: invalid input", pydantic_problems(exc, row)) from None
    check_rules(ot, payload, row)
    return payload


def check_rules(ot: ObjectType, payload: BaseModel, row: int | None = None) -> None:
    """Apply the type's cross-field rules to an already parsed payload."""
    if not ot.rules:
        return
    # The Create schemas are flat, so their attribute dict is what model_dump() would return.
    data = dict(payload.__dict__)
    problems = [FieldProblem(f, r, row) for rule in ot.rules for f, r in rule(data)]
    if problems:
        raise ValidationFailed(f"{ot.en}: invalid input", problems)


class RefResolver:
    """Resolves natural codes to ``(id, jurisdiction_id)``, caching each code once."""

    def __init__(self, session: Session, scope: Scope) -> None:
        self.session = session
        self.scope = scope
        self._cache: dict[tuple[type, str], tuple[int, int | None] | None] = {}
        self._in_scope: dict[int | None, bool] = {}

    def lookup(self, ref: Ref, code: str) -> tuple[int, int | None] | None:
        key = (ref.model, code)
        if key not in self._cache:
            model = ref.model
            jcol = model.id if model is Jurisdiction else model.jurisdiction_id  # type: ignore[attr-defined]
            found = self.session.execute(select(model.id, jcol).where(model.code == code)).first()
            self._cache[key] = (found[0], found[1]) if found else None
        return self._cache[key]

    def in_scope(self, jurisdiction_id: int | None) -> bool:
        """``scope.contains``, asked once per jurisdiction."""
        if self.scope.unrestricted:
            return True
        if jurisdiction_id not in self._in_scope:
            self._in_scope[jurisdiction_id] = self.scope.contains(self.session, jurisdiction_id)
        return self._in_scope[jurisdiction_id]

    def remember(
        self, ref_model: type, code: str, row_id: int, jurisdiction_id: int | None
    ) -> None:
        self._cache[(ref_model, code)] = (row_id, jurisdiction_id)


@dataclass(frozen=True)
class _ColumnPlan:
    """How each Create field becomes a column: copied, enum to value, list of enums, reference."""

    plain: tuple[str, ...]
    enums: tuple[str, ...]
    lists: tuple[str, ...]
    refs: tuple[tuple[str, Ref], ...]


_PLANS: dict[str, _ColumnPlan] = {}


def _holds_enum(annotation: Any) -> bool:
    if isinstance(annotation, type):
        return issubclass(annotation, Enum)
    return any(_holds_enum(arg) for arg in typing.get_args(annotation))


def _column_plan(ot: ObjectType) -> _ColumnPlan:
    """The plan of ``ot``, worked out once from its Create schema's annotations."""
    plan = _PLANS.get(ot.slug)
    if plan is None:
        refs = ot.ref_by_field
        plain, enums, lists = [], [], []
        for name, info in ot.create.model_fields.items():
            if name in refs:
                continue
            if typing.get_origin(info.annotation) is list:
                lists.append(name)
            elif _holds_enum(info.annotation):
                enums.append(name)
            else:
                plain.append(name)
        plan = _ColumnPlan(
            tuple(plain), tuple(enums), tuple(lists), tuple((r.field, r) for r in ot.refs)
        )
        _PLANS[ot.slug] = plan
    return plan


def to_columns(
    ot: ObjectType,
    payload: BaseModel,
    resolver: RefResolver,
    row: int | None = None,
) -> dict[str, Any]:
    """Column values for ``payload``: references resolved, derived fields computed, scope checked."""
    # The Create schemas are flat: the attribute dict holds what model_dump(mode="python") would.
    data = payload.__dict__
    plan = _column_plan(ot)
    values: dict[str, Any] = {name: data[name] for name in plan.plain}
    for name in plan.enums:
        value = data[name]
        # _value_ is what .value returns, without the descriptor call (it adds up at 10⁵ rows)
        values[name] = None if value is None else value._value_
    for name in plan.lists:
        value = data[name]
        values[name] = None if value is None else [getattr(v, "value", v) for v in value]
    problems: list[FieldProblem] = []
    for name, ref in plan.refs:
        value = data[name]
        if value in (None, ""):
            values[ref.column] = None
            continue
        found = resolver.lookup(ref, str(value))
        if found is None:
            problems.append(
                FieldProblem(name, f"no {ref.model.__tablename__} row has code {value}", row)
            )
            continue
        if found[1] is not None and not resolver.in_scope(found[1]):
            # A row may only point at rows the user can see (a Dafeng building, a Tinghu unit: no).
            problems.append(FieldProblem(name, "is outside your jurisdiction", row))
            continue
        values[ref.column] = found[0]
        if name == ot.jurisdiction_from:
            values["jurisdiction_id"] = found[1]
    if ot.derive:
        values = ot.derive(values)
    if not problems:
        scope_jid = (
            values.get("parent_id") if ot.model is Jurisdiction else values.get("jurisdiction_id")
        )
        if ot.model is Jurisdiction and scope_jid is None:
            if not resolver.scope.unrestricted:
                problems.append(
                    FieldProblem(
                        "parent_code", "a top-level jurisdiction needs an unrestricted user", row
                    )
                )
        elif not resolver.in_scope(scope_jid):
            field = (
                "parent_code"
                if ot.model is Jurisdiction
                else (ot.jurisdiction_from or "jurisdiction_code")
            )
            problems.append(FieldProblem(field, "is outside your jurisdiction", row))
        elif resolver.scope.unit_owned(ot) and not resolver.scope.units.contains(
            values.get("unit_id")
        ):
            # A unit safety manager registers buildings and devices of their own units only.
            problems.append(FieldProblem("unit_code", "is not one of the units you manage", row))
    if problems:
        raise ValidationFailed(f"{ot.en}: invalid input", problems)
    return values


def snapshot(ot: ObjectType, row: Any) -> dict[str, Any]:
    """All column values of a row, for the audit log."""
    out = {}
    for col in ot.model.__table__.columns:
        if col.name in ("created_at", "updated_at"):
            continue
        out[col.name] = getattr(row, col.key)
    return out


def _integrity_conflict(ot: ObjectType, exc: IntegrityError) -> Conflict:
    text = str(exc.orig)
    if "code" in text and ("unique" in text.lower() or "duplicate" in text.lower()):
        return Conflict(f"{ot.en}: code already exists", [FieldProblem("code", "must be unique")])
    if "foreign key" in text.lower() or "violates foreign key" in text.lower():
        return Conflict(
            f"{ot.en}: other records still refer to this one",
            [FieldProblem("id", "is still referenced by other records; remove those first")],
        )
    return Conflict(
        f"{ot.en}: the change breaks a database rule", [FieldProblem("(row)", text.splitlines()[0])]
    )


def _check_unique_code(session: Session, ot: ObjectType, code: str, exclude_id: int | None) -> None:
    stmt = select(ot.model.id).where(ot.model.code == code)
    if exclude_id is not None:
        stmt = stmt.where(ot.model.id != exclude_id)
    if session.execute(stmt).first():
        raise Conflict(
            f"{ot.en}: code {code} already exists", [FieldProblem("code", "must be unique")]
        )


def common_path(a: str, b: str) -> str:
    """The path of the smallest jurisdiction containing both ``a`` and ``b``."""
    parts_a, parts_b = a.strip("/").split("/"), b.strip("/").split("/")
    shared = []
    for x, y in zip(parts_a, parts_b, strict=False):
        if x != y or not x:
            break
        shared.append(x)
    return "/" + "".join(f"{p}/" for p in shared)


def _set_path(session: Session, row: Jurisdiction) -> None:
    parent_path = "/"
    if row.parent_id is not None:
        parent_path = session.execute(
            select(Jurisdiction.path).where(Jurisdiction.id == row.parent_id)
        ).scalar_one()
    row.path = f"{parent_path}{row.id}/"


def create(
    session: Session,
    ot: ObjectType,
    actor: Actor,
    scope: Scope,
    data: dict[str, Any] | BaseModel,
) -> Any:
    """Validate, insert and audit one row; returns the new ORM object."""
    audit.begin_write(session)
    if isinstance(data, BaseModel):
        check_rules(ot, data)
        payload = data
    else:
        payload = validate_input(ot, data)
    values = to_columns(ot, payload, RefResolver(session, scope))
    _check_unique_code(session, ot, values["code"], None)
    row = ot.model(**values)
    session.add(row)
    try:
        session.flush()
        if isinstance(row, Jurisdiction):
            _set_path(session, row)
            session.flush()
    except IntegrityError as exc:
        raise _integrity_conflict(ot, exc) from None
    audit.record(
        session,
        actor,
        "create",
        ot.slug,
        row.id,
        None,
        snapshot(ot, row),
        scope_path=row_path(session, row),
    )
    return row


def jurisdiction(session: Session, jurisdiction_id: int | None) -> Jurisdiction | None:
    """A jurisdiction by id (a user's home, where their maps open), or None."""
    return session.get(Jurisdiction, jurisdiction_id) if jurisdiction_id is not None else None


def jurisdiction_name_at(session: Session, path: str) -> str | None:
    """The name of the jurisdiction whose path is ``path`` (a scope's root), or None."""
    return session.execute(
        select(Jurisdiction.name).where(Jurisdiction.path == path)
    ).scalar_one_or_none()


def jurisdiction_choices(
    session: Session, scope: Scope, levels: tuple[str, ...], limit: int
) -> list[tuple[str, str]]:
    """(code, name) of the first ``limit`` jurisdictions of ``levels`` inside ``scope``, by code."""
    rows = session.execute(
        select(Jurisdiction.code, Jurisdiction.name)
        .where(scope.jurisdictions(), Jurisdiction.level.in_(levels))
        .order_by(Jurisdiction.code)
        .limit(limit)
    ).all()
    return [(c, n) for c, n in rows]


def stations_with_position(session: Session, limit: int) -> list[Any]:
    """(code, name, lon, lat) of stations of every jurisdiction that have a position, by code."""
    return list(
        session.execute(
            select(Station.code, Station.name, Station.lon, Station.lat)
            .where(Station.lon.is_not(None))
            .order_by(Station.code)
            .limit(limit)
        ).all()
    )


def id_of_code(session: Session, ot: ObjectType, scope: Scope, code: str) -> int | None:
    """The id of the ``ot`` row with ``code`` inside ``scope``, or None."""
    return session.execute(
        select(ot.model.id).where(ot.model.code == code, scope.clause(ot))
    ).scalar_one_or_none()


def get(session: Session, ot: ObjectType, scope: Scope, row_id: int) -> Any:
    row = session.execute(
        select(ot.model).where(ot.model.id == row_id, scope.clause(ot))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{ot.en} {row_id} does not exist or is outside your jurisdiction")
    return row


def input_of(session: Session, ot: ObjectType, row: Any) -> dict[str, Any]:
    """The row as a Create-shaped dict (references as codes)."""
    return public_rows(session, ot, [row], input_only=True)[0]


def update(
    session: Session,
    ot: ObjectType,
    actor: Actor,
    scope: Scope,
    row_id: int,
    changes: dict[str, Any] | BaseModel,
) -> Any:
    """Apply a partial change, re-validating the whole merged object."""
    audit.begin_write(session)
    if isinstance(changes, BaseModel):
        changes = changes.model_dump(exclude_unset=True, mode="json")
    row = get(session, ot, scope, row_id)
    before = snapshot(ot, row)
    before_path = row_path(session, row)
    merged = {**input_of(session, ot, row), **changes}
    payload = validate_input(ot, merged)
    values = to_columns(ot, payload, RefResolver(session, scope))
    if isinstance(row, Jurisdiction) and values.get("parent_id") == row.id:
        raise ValidationFailed(
            "a jurisdiction cannot be its own parent",
            [FieldProblem("parent_code", "must differ from code")],
        )
    _check_unique_code(session, ot, values["code"], row.id)
    old_path = getattr(row, "path", None)
    for key, value in values.items():
        setattr(row, key, value)
    try:
        session.flush()
        if isinstance(row, Jurisdiction):
            _set_path(session, row)
            if row.path != old_path and old_path:
                if row.path.startswith(old_path):
                    raise ValidationFailed(
                        "a jurisdiction cannot move under its own descendant",
                        [FieldProblem("parent_code", "must not be a descendant")],
                    )
                _move_subtree(session, old_path, row.path)
            session.flush()
    except IntegrityError as exc:
        raise _integrity_conflict(ot, exc) from None
    audit.record(
        session,
        actor,
        "update",
        ot.slug,
        row.id,
        before,
        snapshot(ot, row),
        scope_path=common_path(before_path, row_path(session, row)),
    )
    return row


def _move_subtree(session: Session, old: str, new: str) -> None:
    session.execute(
        sql_update(Jurisdiction)
        .where(Jurisdiction.path.startswith(old, autoescape=True), Jurisdiction.path != new)
        .values(path=literal(new) + func.substr(Jurisdiction.path, len(old) + 1))
        .execution_options(synchronize_session=False)
    )


def delete(
    session: Session,
    ot: ObjectType,
    actor: Actor,
    scope: Scope,
    row_id: int,
) -> None:
    audit.begin_write(session)
    row = get(session, ot, scope, row_id)
    before = snapshot(ot, row)
    before_path = row_path(session, row)
    try:
        session.execute(sql_delete(ot.model).where(ot.model.id == row_id))
        session.flush()
    except IntegrityError as exc:
        raise _integrity_conflict(ot, exc) from None
    session.expunge(row)
    audit.record(session, actor, "delete", ot.slug, row_id, before, None, scope_path=before_path)


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    size: int


def list_rows(
    session: Session,
    ot: ObjectType,
    scope: Scope,
    filters: BaseModel | None = None,
    *,
    q: str | None = None,
    jurisdiction_code: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    page: int = 1,
    size: int = 50,
) -> Page:
    """One page of rows inside ``scope`` matching the filters, ordered by code."""
    model = ot.model
    conds = [scope.clause(ot)]
    refs = ot.ref_by_field
    for name, value in (filters.model_dump(exclude_none=True) if filters else {}).items():
        if name in refs:
            ref = refs[name]
            target = select(ref.model.id).where(ref.model.code == str(value))
            conds.append(getattr(model, ref.column).in_(target))
        else:
            conds.append(getattr(model, name) == getattr(value, "value", value))
    if q:
        like = f"%{q}%"
        conds.append(or_(*(getattr(model, c).ilike(like) for c in ot.search_columns)))
    if jurisdiction_code:
        sub = (
            select(Jurisdiction.path)
            .where(Jurisdiction.code == jurisdiction_code)
            .scalar_subquery()
        )
        within = select(Jurisdiction.id).where(Jurisdiction.path.startswith(sub))
        col = model.id if model is Jurisdiction else model.jurisdiction_id  # type: ignore[attr-defined]
        conds.append(col.in_(within))
    if bbox and ot.geometry == "point":
        minx, miny, maxx, maxy = bbox
        conds += [model.lon >= minx, model.lon <= maxx, model.lat >= miny, model.lat <= maxy]  # type: ignore[attr-defined]
    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, page)
    rows, total = paginate(session, select(model).where(*conds).order_by(model.code), page, size)
    return Page(rows, total, page, size)


def iter_all(
    session: Session,
    ot: ObjectType,
    scope: Scope,
    batch: int = 5000,
    bbox: tuple[float, float, float, float] | None = None,
) -> Any:
    """Every row in scope, ordered by id, in batches (for export and the map). ``bbox``
    (minlon, minlat, maxlon, maxlat): a point type's rows inside it only, chosen in SQL; a type
    with a geometry column (roads, boundaries) is not narrowed here (its caller tests shapes)."""
    last = 0
    model = ot.model
    where = [scope.clause(ot)]
    if bbox is not None and not ot.geometry_field and hasattr(model, "lon"):
        lon, lat = getattr(model, "lon"), getattr(model, "lat")  # noqa: B009 (a point type)
        where += [lon.between(bbox[0], bbox[2]), lat.between(bbox[1], bbox[3])]
    while True:
        rows = (
            session.execute(
                select(model).where(*where, model.id > last).order_by(model.id).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield rows
        last = rows[-1].id


def public_rows(
    session: Session, ot: ObjectType, rows: list[Any], *, input_only: bool = False
) -> list[dict[str, Any]]:
    """Rows as dicts of the Public schema (or the Create schema with ``input_only``)."""
    code_maps: dict[str, dict[int, str]] = {}
    for ref in ot.refs:
        ids = {getattr(r, ref.column) for r in rows} - {None}
        if ids:
            found = session.execute(
                select(ref.model.id, ref.model.code).where(ref.model.id.in_(ids))
            ).all()
            code_maps[ref.field] = dict(found)
        else:
            code_maps[ref.field] = {}
    fields = ot.create.model_fields if input_only else ot.public.model_fields
    refs = ot.ref_by_field
    out = []
    for r in rows:
        item: dict[str, Any] = {}
        for name in fields:
            if name in refs:
                item[name] = code_maps[name].get(getattr(r, refs[name].column))
            else:
                value = getattr(r, name, None)
                if input_only and isinstance(value, datetime | date):
                    value = value.isoformat()
                item[name] = value
        out.append(item)
    return out


def change_stamp(session: Session, ot: ObjectType) -> tuple[Any, ...]:
    """(row count, latest update, highest id) of a type: a cheap test that nothing changed since
    a cache was built (an insert, update or delete moves one of them)."""
    model: Any = ot.model
    return tuple(
        session.execute(select(func.count(), func.max(model.updated_at), func.max(model.id))).one()
    )


def count_in_scope(session: Session, ot: ObjectType, scope: Scope) -> int:
    return session.execute(
        select(func.count()).select_from(ot.model).where(scope.clause(ot))
    ).scalar_one()


@dataclass
class BulkRow:
    """One validated input row waiting to be inserted, with its source line for error reports."""

    line: int
    payload: BaseModel


def bulk_create(
    session: Session,
    ot: ObjectType,
    actor: Actor,
    scope: Scope,
    rows: list[BulkRow],
    action: str = "import",
    progress: Any = None,
    problems: Sequence[FieldProblem] = (),
) -> list[int]:
    """Insert many validated rows in the caller's transaction, each with its own audit entry.

    Every problem (unknown reference, out of scope, duplicate code in the file or in the
    database) is collected with its line; if there is any, nothing is written and
    ``ValidationFailed`` lists them all, together with the ``problems`` the caller already
    found in rows it could not validate. ``progress(n)`` is called as rows are prepared.
    """
    found = list(problems)
    if ot.model is Jurisdiction:
        return _bulk_create_jurisdictions(session, ot, actor, scope, rows, progress, found)
    audit.begin_write(session)
    resolver = RefResolver(session, scope)
    values_list: list[dict[str, Any]] = []
    value_lines: list[int] = []
    seen: dict[str, int] = {}
    for r in rows:
        try:
            values = to_columns(ot, r.payload, resolver, r.line)
        except ValidationFailed as exc:
            found.extend(exc.problems)
            continue
        code = values["code"]
        if code in seen:
            found.append(
                FieldProblem("code", f"must be unique (same as line {seen[code]})", r.line)
            )
        seen[code] = r.line
        values_list.append(values)
        value_lines.append(r.line)
        if progress:
            progress(1)
    codes = list(seen)
    for start in range(0, len(codes), 900):
        chunk = codes[start : start + 900]
        taken = (
            session.execute(select(ot.model.code).where(ot.model.code.in_(chunk))).scalars().all()
        )
        found.extend(
            FieldProblem("code", "must be unique (already in the database)", seen[c]) for c in taken
        )
    found.extend(_composite_unique_problems(session, ot, values_list, value_lines))
    if found:
        raise _bulk_failure(ot, found)
    table = table_of(ot.model)
    now = datetime.now(tz=UTC)
    # One template row (every column None, then the column defaults) copied per row.
    template: dict[str, Any] = dict.fromkeys(c.name for c in table.columns if c.name != "id")
    template.update(
        {
            c.name: c.default.arg
            for c in table.columns
            if isinstance(c.default, ColumnDefault) and not callable(c.default.arg)
        }
    )
    ids = reserve_ids(session, table, len(values_list))
    jids = {v.get("jurisdiction_id") for v in values_list} - {None}
    paths: dict[int | None, str] = {None: "/"}
    if jids:
        paths.update(
            session.execute(
                select(Jurisdiction.id, Jurisdiction.path).where(Jurisdiction.id.in_(jids))
            ).all()
        )
    full = []
    entries: list[tuple[str | int, dict[str, Any] | None, dict[str, Any] | None, str]] = []
    for row_id, values in zip(ids, values_list, strict=True):
        row = template.copy()
        row.update(values)
        row["id"] = row_id
        # the audit snapshot has no timestamps
        entries.append((row_id, None, row.copy(), paths[values.get("jurisdiction_id")]))
        row["created_at"] = row["updated_at"] = now
        full.append(row)
    try:
        bulk.insert_rows(session, table, full)
    except IntegrityError as exc:  # a rule the checks above do not know about
        raise _integrity_conflict(ot, exc) from None
    audit.record_many(session, actor, action, ot.slug, entries)
    return ids


def _composite_unique_problems(
    session: Session, ot: ObjectType, values_list: list[dict[str, Any]], lines: list[int]
) -> list[FieldProblem]:
    """Rows that break a multi-column unique constraint (a population per jurisdiction and
    year), against each other and against the database."""
    table = table_of(ot.model)
    field_of = {r.column: r.field for r in ot.refs}
    problems = []
    for constraint in table.constraints:
        if not isinstance(constraint, UniqueConstraint) or len(constraint.columns) < 2:
            continue
        names = [c.name for c in constraint.columns]
        fields = ", ".join(field_of.get(n, n) for n in names)
        first = constraint.columns[names[0]]
        keys: dict[tuple[Any, ...], int] = {}
        for values, line in zip(values_list, lines, strict=True):
            key = tuple(values.get(n) for n in names)
            if key in keys:
                rule = f"must be unique together (same as line {keys[key]})"
                problems.append(FieldProblem(fields, rule, line))
            else:
                keys[key] = line
        taken: set[tuple[Any, ...]] = set()
        firsts = list({k[0] for k in keys})
        for start in range(0, len(firsts), 900):
            stmt = select(*constraint.columns).where(first.in_(firsts[start : start + 900]))
            taken.update(tuple(r) for r in session.execute(stmt))
        problems.extend(
            FieldProblem(fields, "must be unique together (already in the database)", line)
            for key, line in keys.items()
            if key in taken
        )
    return problems


def _bulk_failure(ot: ObjectType, problems: list[FieldProblem]) -> ValidationFailed:
    problems.sort(key=lambda p: (p.row or 0, p.field))
    return ValidationFailed(
        f"{ot.en}: {len({p.row for p in problems})} rows are invalid; nothing was imported",
        problems,
    )


def _bulk_create_jurisdictions(
    session: Session,
    ot: ObjectType,
    actor: Actor,
    scope: Scope,
    rows: list[BulkRow],
    progress: Any,
    problems: list[FieldProblem],
) -> list[int]:
    """The tree needs parents before children and a path per row: the one-by-one road.

    Each row's problems are collected with its line and the next row is tried; a row whose
    parent failed reports that parent as unknown. The caller's transaction must roll back if
    this raises, as rows before the failure were flushed.
    """
    ids = []
    for r in rows:
        try:
            ids.append(create(session, ot, actor, scope, r.payload).id)
        except (ValidationFailed, Conflict) as exc:
            problems.extend(FieldProblem(p.field, p.rule, r.line) for p in exc.problems)
        if progress:
            progress(1)
    if problems:
        raise _bulk_failure(ot, problems)
    return ids


def reserve_ids(session: Session, table: Any, n: int) -> list[int]:
    """``n`` fresh primary keys for ``table``. The caller holds the writers' lock (begin_write).

    PostgreSQL draws them from the column's sequence; SQLite continues after the largest id,
    which is what it would do itself, and no other writer can insert while the lock is held.
    """
    if n == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        seq = session.execute(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
        ).scalar_one()
        return list(
            session.execute(
                text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": seq, "n": n}
            ).scalars()
        )
    top = session.execute(select(func.max(table.c.id))).scalar_one() or 0
    return list(range(top + 1, top + n + 1))
