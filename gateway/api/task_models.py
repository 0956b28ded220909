"""Request and response schemas of tasks from above (专项行动), ``/v1/tasks``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from services.platform.vocabulary import CATEGORY_PATTERN, ID_MAX

from .models import _this_century

ItemsFrom = Literal["named", "single", "compound", "resident_unit", "social_organisation"]
TaskStatus = Literal["open", "closed", "cancelled"]


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, description="e.g. 冬季消防安全专项排查")
    instructions: str = Field(
        "", max_length=4000, description="What the grids are to do, and how to report"
    )
    category: str | None = Field(
        None,
        pattern=CATEGORY_PATTERN,
        max_length=64,
        description="family.subtype of the shared taxonomy, e.g. safety_hazard.fire",
    )
    grid_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        max_length=100,
        description="The target grids; or name an area instead",
    )
    area: str | None = Field(
        None,
        min_length=1,
        max_length=80,
        pattern=r"^(county|street:\S+|community:\S+)$",
        description="county | street:<id> | community:<id>: every grid of it",
    )
    due_at: Annotated[AwareDatetime, AfterValidator(_this_century)] = Field(
        description="ISO 8601 with offset: an item still open after it is overdue"
    )
    items_from: ItemsFrom = Field(
        "single",
        description="named: item_names in every grid; single: one item per grid; compound, "
        "resident_unit, social_organisation: one per such record of the grid "
        "(from the reference data; a grid with none gets one item)",
    )
    item_names: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=100,
        description="items_from = named: the items of each grid",
    )
    meeting_id: str | None = Field(
        None,
        min_length=1,
        max_length=ID_MAX,
        description="The joint meeting whose decision this task carries out",
    )
    decision_id: str | None = Field(
        None, min_length=1, max_length=ID_MAX, description="That meeting's decision (D1, D2, ...)"
    )

    @model_validator(mode="after")
    def _one_target(self) -> TaskIn:
        if bool(self.grid_ids) == bool(self.area):
            raise ValueError(
                "name the target grids (grid_ids) or their area (area), one of the two"
            )
        if (self.items_from == "named") != bool(self.item_names):
            raise ValueError("item_names: given exactly when items_from is named")
        if bool(self.meeting_id) != bool(self.decision_id):
            raise ValueError("meeting_id and decision_id: a meeting's decision names both")
        return self


class ItemReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["done", "problem"] = Field(description="done, or problem found (需整改)")
    note: str = Field(
        "", max_length=4000, description="What was found or done; required for a problem"
    )

    @model_validator(mode="after")
    def _problem_has_note(self) -> ItemReportIn:
        if self.outcome == "problem" and not self.note.strip():
            raise ValueError("note: say what problem was found")
        return self


class TaskEndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=4000)


class TaskDispatcher(BaseModel):
    username: str
    level: Literal["county", "street", "community", "department"]
    street_id: str | None
    community_id: str | None
    department: str | None


class TaskItemOut(BaseModel):
    item_id: str
    grid_id: str
    name: str
    ref: str | None = Field(
        description="The reference record the item was made for (a compound id, ...)"
    )
    status: Literal["open", "done", "problem"]
    note: str = Field(
        description="Phone and ID numbers masked unless the grid's own staff reads it (audited)"
    )
    reported_by: str | None
    reported_at: str | None
    overdue: bool = Field(description="Still open after the task's due time")


class TaskGridProgress(BaseModel):
    grid_id: str
    name: str | None
    community_id: str
    street_id: str
    items: int
    done: int
    problems: int
    open: int
    overdue: int
    completion: float = Field(description="Items reported (done or problem) ÷ items, 0–1")


class TaskOut(BaseModel):
    task_id: str
    title: str
    instructions: str
    category: str | None
    dispatcher: TaskDispatcher
    area: str | None
    grid_ids: list[str] = Field(description="The target grids the caller sees")
    due_at: str | None
    items_from: ItemsFrom
    status: TaskStatus
    created_at: str | None
    ended_at: str | None
    ended_by: str | None
    end_note: str | None
    meeting_id: str | None
    decision_id: str | None
    grids: list[TaskGridProgress] = Field(description="Completion per grid the caller sees")
    items: int
    reported: int
    overdue: int
    completion: float
    item_list: list[TaskItemOut] | None = Field(
        None,
        description="The items of the grids the caller sees (in GET /v1/tasks/{task_id} and "
        "answers to "
        "reports and endings; not in lists)",
    )
    overdue_items: list[TaskItemOut] | None = Field(
        None, description="Those of item_list still open after due_at"
    )


class TaskPage(BaseModel):
    items: list[TaskOut]
    total: int
    page: int
    page_size: int
