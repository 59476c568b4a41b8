"""Log-in and log-out pages and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lanyan.accounts.login_limits import TooManyAttempts
from lanyan.accounts.routes import set_session_cookie, sign_in
from lanyan.accounts.service import CurrentUser, logout
from lanyan.api.deps import COOKIE, bearer_token, optional_user
from lanyan.core.errors import Unauthorized
from lanyan.core.timeutil import local_clock
from lanyan.web import i18n
from lanyan.web.render import render, ui_for

router = APIRouter(include_in_schema=False)
YEAR_SECONDS = 365 * 24 * 3600


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute or protocol-relative URL (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    user: Annotated[CurrentUser | None, Depends(optional_user)],
    next: str = "/",
    bye: bool = False,
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    notice = ui_for(request, None).t("signed_out") if bye else None
    return render(request, "accounts/login.html", None, next=safe_next(next), notice=notice)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    username = username.strip()
    try:
        token, user = sign_in(request, username, password)
    except (Unauthorized, TooManyAttempts) as exc:
        ui = ui_for(request, None)
        if isinstance(exc, TooManyAttempts):
            error = ui.t("login_throttled", until=local_clock(exc.until))
        else:
            error = ui.t("wrong_password")
        return render(
            request,
            "accounts/login.html",
            None,
            status_code=exc.status,
            next=safe_next(next),
            error=error,
            username=username,
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    settings = request.app.state.settings
    set_session_cookie(response, token, settings)
    # After log-in the user's own language is the default; the switch can change it again.
    response.set_cookie(
        i18n.LANG_COOKIE,
        user.language,
        max_age=YEAR_SECONDS,
        samesite="lax",
        secure=settings.environment == "production",
    )
    return response


@router.post("/logout")
def logout_submit(request: Request) -> Response:
    token = bearer_token(request)
    if token:
        session = request.app.state.sessions()
        try:
            logout(session, token)
            session.commit()
        finally:
            session.close()
    response = RedirectResponse("/login?bye=1", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/lang/{lang}")
def switch_language(lang: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in i18n.LANGUAGES:
        response.set_cookie(i18n.LANG_COOKIE, lang, max_age=YEAR_SECONDS, samesite="lax")
    return response
