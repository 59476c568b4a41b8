"""Rendering: the Jinja2 environment and ``Ui``, the per-request helper every template gets.

``Ui`` knows the language and the signed-in user, translates messages, labels fields and shows
values (choices as their zh/en label and colour, times in Asia/Shanghai, units on numbers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from lanyan.accounts import roles
from lanyan.accounts.roles import Role
from lanyan.accounts.service import CurrentUser
from lanyan.core.timeutil import local_text
from lanyan.registry.choices import Choice
from lanyan.registry.types import BY_SLUG, OBJECT_TYPES, ObjectType
from lanyan.web import i18n
from lanyan.web.accounts import audit_names
from lanyan.web.forms import choice_of


@dataclass(frozen=True)
class Ui:
    lang: str
    user: CurrentUser | None
    path: str
    here: str  # path and query, for "come back here" links
    settings: Any

    def t(self, key: str, **values: object) -> str:
        return i18n.message(key, self.lang, **values)

    def other_lang(self) -> str:
        return "en" if self.lang == "zh" else "zh"

    def field(self, ot: ObjectType, name: str) -> str:
        return i18n.field_label(ot.slug, name, self.lang)

    def type_name(self, ot: ObjectType) -> str:
        return ot.label(self.lang)

    def slug_name(self, slug: str) -> str:
        """An object type's name by slug: a registry type's, else a domain's audited thing's,
        else the slug as it is."""
        ot = BY_SLUG.get(slug)
        return ot.label(self.lang) if ot else audit_names.object_type(slug, self.lang) or slug

    def role_name(self, role: str) -> str:
        return Role(role).label(self.lang)

    def action_name(self, action: str, slug: str = "") -> str:
        """An audited action in the page's language (``slug``: what it was done to)."""
        named = audit_names.action(action, slug, self.lang)
        if named is not None and slug in audit_names.ACTIONS_BY_TYPE:
            return named
        pair = i18n.ACTIONS.get(action)
        return i18n.pick(pair, self.lang) if pair else named or action

    def rule(self, rule: str) -> str:
        return i18n.rule_text(rule, self.lang)

    def choice(self, member: Choice) -> str:
        return member.label(self.lang)

    def readable_types(self) -> list[ObjectType]:
        if self.user is None:
            return []
        return [ot for ot in OBJECT_TYPES if roles.can_read(self.user.role, ot.slug)]

    def can_read_slug(self, slug: str) -> bool:
        """Whether the user may read a domain's records (``equipment``, ``incidents`` …)."""
        return self.user is not None and roles.can_read(self.user.role, slug)

    def can_write(self, ot: ObjectType) -> bool:
        return self.user is not None and roles.can_write(self.user.role, ot.slug)

    def is_admin(self) -> bool:
        return self.user is not None and roles.can_manage_users(self.user.role)

    def time(self, value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
        """A stored time as people read it, in Asia/Shanghai."""
        return local_text(value, fmt)

    def text(self, ot: ObjectType, name: str, value: Any) -> str:
        """A stored value as plain text: choice labels, yes/no, trimmed numbers, local times."""
        if value is None or value == "" or value == []:
            return "—"
        enum = choice_of(ot, name)
        if enum is not None:
            values = value if isinstance(value, list) else [value]
            return "、".join(self.choice(enum(v)) for v in values)
        if isinstance(value, bool):
            return self.t("yes") if value else self.t("no")
        if isinstance(value, float):
            return f"{value:,.6f}".rstrip("0").rstrip(".")
        if isinstance(value, datetime):
            return self.time(value)
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def show(self, ot: ObjectType, name: str, value: Any) -> Markup:
        """A stored value as HTML: choices as coloured badges, everything else as ``text``."""
        if value is None or value == "" or value == []:
            return Markup('<span class="muted">—</span>')
        enum = choice_of(ot, name)
        if enum is not None:
            values = value if isinstance(value, list) else [value]
            return Markup(" ").join(self._badge(enum(v)) for v in values)
        return Markup(escape(self.text(ot, name, value)))

    def _badge(self, member: Choice) -> Markup:
        if member.color:
            return Markup('<span class="badge"><i style="background:{}"></i>{}</span>').format(
                member.color, self.choice(member)
            )
        return Markup('<span class="badge plain">{}</span>').format(self.choice(member))

    def query(self, **params: Any) -> str:
        """A query string with empty parameters left out."""
        kept = {k: v for k, v in params.items() if v not in (None, "", False)}
        return "?" + urlencode(kept) if kept else ""


def ui_for(request: Request, user: CurrentUser | None) -> Ui:
    settings = request.app.state.settings
    default = user.language if user else settings.default_language
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Ui(i18n.language_of(request, default), user, request.url.path, here, settings)


def render(
    request: Request,
    template: str,
    user: CurrentUser | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    ui = ui_for(request, user)
    return TEMPLATES.TemplateResponse(
        request, template, {"ui": ui, **context}, status_code=status_code
    )


def to_json(value: Any) -> Markup:
    """JSON safe to embed in a ``<script type="application/json">`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _templates() -> Jinja2Templates:
    """The Jinja2 environment, built once; page packages' template globals are added by
    ``lanyan.web.routes.install`` (never by a page module at import time)."""
    templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
    templates.env.filters["tojson_script"] = to_json
    return templates


TEMPLATES = _templates()


class ReviewQueue(Protocol):
    """A service module whose officers' queue a page shows: its permission slug, one page of
    its rows, and a row as the page shows it (``may_act``: with the officer's buttons)."""

    SLUG: str

    def queue(
        self, session: Any, scope: Any, state: Any, page: int, size: int
    ) -> tuple[list[Any], int]: ...

    def public(self, session: Any, row: Any, may_act: bool) -> dict[str, Any]: ...


def render_review_queue(
    request: Request,
    session: Any,
    user: CurrentUser,
    source: ReviewQueue,
    template: str,
    page: int,
    size: int,
    *,
    error: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """One page of an officers' review queue (applications, declarations, …): the rows paged in
    SQL, whether this user may act on them, the page count, and the form's error if any."""
    rows, total = source.queue(session, user.scope, None, page, size)
    may_act = roles.can_write(user.role, source.SLUG)
    return render(
        request,
        template,
        user,
        status_code=status_code,
        items=[source.public(session, r, may_act) for r in rows],
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
        may_act=may_act,
        error=error,
        **context,
    )
