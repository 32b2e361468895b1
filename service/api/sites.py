"""`/api/v1/sites`: service sites (tjenestesteder) and organisations."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import Site
from service.api.deps import PROBLEMS, principal
from service.api.schemas import SiteOut, SitePatch
from service.register import catalogue


class SiteController(Controller):
    path = "/api/v1/sites"
    tags = ("sites",)

    @get("/", summary="List sites and organisations", responses=PROBLEMS)
    async def list(self, db_session: AsyncSession) -> list[SiteOut]:
        return await catalogue.list_sites(db_session)

    @post("/", summary="Add a site or organisation (coordinator)", responses=PROBLEMS)
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: Site) -> SiteOut:
        return await catalogue.create_site(db_session, principal(request), data)

    @get("/{site_id:str}", summary="One site", responses=PROBLEMS)
    async def get_one(self, db_session: AsyncSession, site_id: str) -> SiteOut:
        return await catalogue.get_site(db_session, site_id)

    @patch("/{site_id:str}", summary="Change a site (coordinator, or the site itself)", responses=PROBLEMS)
    async def update(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, site_id: str, data: SitePatch
    ) -> SiteOut:
        return await catalogue.patch_site(db_session, principal(request), site_id, msgspec.to_builtins(data))
