"""`/api/v1/users`: the web sign-in accounts — list them, disable one, enable it again (coordinator)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts import list_users, set_disabled
from service.api.deps import PROBLEMS, principal
from service.api.schemas import UserOut
from service.db.models import UserRow


def _out(u: UserRow) -> UserOut:
    return UserOut(id=u.id, email=u.email, name=u.name, role=u.role, site=u.site_id, created_at=u.created_at,
                   last_login_at=u.last_login_at, disabled_at=u.disabled_at)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ("users",)

    @get("/", summary="The sign-in accounts (`?site=` for one site's contacts)", responses=PROBLEMS)
    async def list(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                   site: str | None = None) -> list[UserOut]:
        return [_out(u) for u in await list_users(db_session, principal(request), site_id=site)]

    @post("/{user_id:str}/disable", summary="Disable an account: no sign-in, and its sessions end now",
          status_code=200, responses=PROBLEMS)
    async def disable(self, request: Request[Any, Any, Any], db_session: AsyncSession, user_id: str) -> UserOut:
        return _out(await set_disabled(db_session, principal(request), user_id, True, request.url.path))

    @post("/{user_id:str}/enable", summary="Enable a disabled account again", status_code=200, responses=PROBLEMS)
    async def enable(self, request: Request[Any, Any, Any], db_session: AsyncSession, user_id: str) -> UserOut:
        return _out(await set_disabled(db_session, principal(request), user_id, False, request.url.path))
