"""`/api/v1/activities` and `/api/v1/trainings`: the catalogue."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import Activity, Training
from service.api.deps import PROBLEMS, principal
from service.api.schemas import ActivityOut, TrainingOut, TrainingPatch
from service.register import catalogue


class TrainingController(Controller):
    path = "/api/v1/trainings"
    tags = ("catalogue",)

    @get("/", summary="List the trainings (kurs)", responses=PROBLEMS)
    async def list(self, db_session: AsyncSession) -> list[TrainingOut]:
        return await catalogue.list_trainings(db_session)

    @post("/", summary="Add a training (coordinator)", responses=PROBLEMS)
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: Training) -> TrainingOut:
        return await catalogue.create_training(db_session, principal(request), data)

    @patch("/{training_id:str}", summary="Rename a course (coordinator); its id stays", responses=PROBLEMS)
    async def update(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, training_id: str, data: TrainingPatch
    ) -> TrainingOut:
        return await catalogue.patch_training(
            db_session, principal(request), training_id, msgspec.to_builtins(data), request.url.path)


class ActivityController(Controller):
    path = "/api/v1/activities"
    tags = ("catalogue",)

    @get("/", summary="List the activity catalogue", responses=PROBLEMS)
    async def list(self, db_session: AsyncSession) -> list[ActivityOut]:
        return await catalogue.list_activities(db_session)

    @post("/", summary="Add an activity (coordinator)", responses=PROBLEMS)
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: Activity) -> ActivityOut:
        return await catalogue.create_activity(db_session, principal(request), data)

    @get("/{activity_id:str}", summary="One activity", responses=PROBLEMS)
    async def get_one(self, db_session: AsyncSession, activity_id: str) -> ActivityOut:
        return await catalogue.get_activity(db_session, activity_id)

    @patch("/{activity_id:str}",
           summary="Change an activity (coordinator): name, minimum age, courses, police certificate",
           responses=PROBLEMS)
    async def update(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, activity_id: str, data: dict[str, Any]
    ) -> ActivityOut:
        return await catalogue.patch_activity(db_session, principal(request), activity_id, data)

    @delete("/{activity_id:str}", summary="Delete an activity nothing refers to (coordinator); one that needs, "
            "placements or volunteers use stays (409 in-use, with the counts)", responses=PROBLEMS)
    async def remove(self, request: Request[Any, Any, Any], db_session: AsyncSession, activity_id: str) -> None:
        await catalogue.delete_activity(db_session, principal(request), activity_id, request.url.path)
