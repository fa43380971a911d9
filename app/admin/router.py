"""HTTP routes of the organiser workspace: HTML pages under /admin, JSON under /api/admin."""

from fastapi import APIRouter
from fastapi.responses import Response

from app.admin import (
    accounts,
    api,
    campaigns,
    desk,
    signin,
    templates_editor,
    test_send,
    transfer,
)
from app.admin.pages import static_file

router = APIRouter()
router.include_router(signin.router)
router.include_router(transfer.router)
router.include_router(campaigns.router)
router.include_router(templates_editor.router)
router.include_router(api.router)
router.include_router(test_send.router)
router.include_router(desk.router)
router.include_router(accounts.router)


@router.get("/admin/static/{name}", include_in_schema=False)
def admin_static(name: str) -> Response:
    """The workspace's own CSS and script; no external CDN is ever loaded."""
    return static_file(name)
