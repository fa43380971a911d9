"""Admin-only pages: organiser accounts and the audit log."""

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.admin.campaigns import FormDep
from app.admin.pages import MAX_INT, AdminRoute, clean, render
from app.db import SessionDep
from app.organisers import service
from app.organisers.auth import AdminDep, CsrfDep, ViewerDep, record_audit
from app.organisers.models import Organiser

router = APIRouter(route_class=AdminRoute, include_in_schema=False)

AUDIT_PAGE = 100


def _pretty(value: Any) -> str:
    return "" if value is None else json.dumps(value, indent=2, ensure_ascii=False, default=str)


@router.get("/admin/audit")
def audit_log(
    request: Request, session: SessionDep, _o: AdminDep, action: str = "", page: int = 1
) -> Response:
    page = max(1, min(page, 10_000))
    action = clean(action)
    events = service.list_audit(
        session, limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE, action=action[:64] or None
    )
    return render(
        request,
        "audit.html",
        {
            "events": events[:AUDIT_PAGE],
            "more": len(events) > AUDIT_PAGE,
            "page": page,
            "action": action[:64],
            "pretty": _pretty,
        },
    )


def _accounts_page(
    request: Request,
    session: Session,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    flash: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "organisers.html",
        {
            "organisers": service.list_organisers(session),
            "roles": service.ROLES,
            "form": form or {"role": "viewer"},
            "errors": errors or {},
            "flash": flash,
        },
        status_code=status_code,
    )


@router.get("/admin/organisers")
def organisers_page(request: Request, session: SessionDep, _o: AdminDep) -> Response:
    return _accounts_page(request, session)


@router.post("/admin/organisers", dependencies=[CsrfDep])
def create_organiser(
    request: Request, session: SessionDep, admin: AdminDep, data: FormDep
) -> Response:
    form = {k: str(data.get(k) or "")[:400] for k in ("email", "name", "role")}
    password = str(data.get("password") or "")[:1000]
    try:
        created = service.create_organiser(
            session, form["email"], password, form["role"], form["name"]
        )
    except service.OrganiserError as error:
        return _accounts_page(
            request, session, form=form, errors={error.field: error.message}, status_code=400
        )
    record_audit(session, admin, "organiser.create", created.email, after={"role": created.role})
    session.commit()
    return RedirectResponse("/admin/organisers", status_code=303)


@router.post("/admin/organisers/{organiser_id}", dependencies=[CsrfDep])
def update_organiser(
    request: Request, session: SessionDep, admin: AdminDep, organiser_id: int, data: FormDep
) -> Response:
    """Change a role, or deactivate (which signs them out everywhere) or reactivate."""
    target = session.get(Organiser, organiser_id) if 0 < organiser_id <= MAX_INT else None
    if target is None:
        raise HTTPException(404, "No such organiser.")
    before = {"role": target.role, "active": target.active}
    role = str(data.get("role") or target.role)
    active = str(data.get("active") or ("1" if target.active else "0")) == "1"
    if target.id == admin.id and (role != "admin" or not active):
        # An admin locking themselves out could leave the workspace with no admin at all.
        errors = {f"organiser_{target.id}": "You cannot demote or deactivate yourself."}
        return _accounts_page(request, session, errors=errors, status_code=400)
    try:
        service.set_role(session, target, role)
    except service.OrganiserError as error:
        errors = {f"organiser_{target.id}": error.message}
        return _accounts_page(request, session, errors=errors, status_code=400)
    service.set_active(session, target, active)
    record_audit(
        session, admin, "organiser.update", target.email, before, {"role": role, "active": active}
    )
    session.commit()
    return RedirectResponse("/admin/organisers", status_code=303)


@router.get("/admin/account")
def own_account_page(request: Request, _o: ViewerDep) -> Response:
    return render(request, "account.html")


@router.post("/admin/account", dependencies=[CsrfDep])
def change_own_password(
    request: Request, session: SessionDep, organiser: ViewerDep, data: FormDep
) -> Response:
    """A new password ends every session, this one included: sign in again with it."""
    current = str(data.get("current_password") or "")[:1000]
    new = str(data.get("new_password") or "")[:1000]
    errors = {}
    if not service.password_matches(organiser, current):
        errors["current_password"] = "That is not your current password."
    elif new != str(data.get("repeat_password") or "")[:1000]:
        errors["repeat_password"] = "The two new passwords differ."
    else:
        try:
            service.set_password(session, organiser, new)
        except service.OrganiserError as error:
            errors["new_password"] = error.message
    if errors:
        return render(request, "account.html", {"errors": errors}, status_code=400)
    record_audit(session, organiser, "organiser.password", organiser.email)
    session.commit()
    return RedirectResponse("/admin/sign-in?next=%2Fadmin%2Fcampaigns", status_code=303)
