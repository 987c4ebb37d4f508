"""What the notification routes answer: notices with their delivery records."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DeliveryRecord(BaseModel):
    """One record of a notice's delivery, with the event's own fields (`attempt`, `error`, `dead`, …)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="notification_scheduled, notification_failed or notification_sent")
    time: str
    notification_id: str


class Notice(BaseModel):
    notification_id: str
    campaign_id: str | None
    unit_id: str
    rule: str
    channel: str
    recipient: str
    trigger_event_id: str | None
    due_at: str | None
    status: str = Field(description="scheduled, retrying, sent or dead")
    attempts: int
    last_error: str | None
    log: list[DeliveryRecord] = Field(description="its delivery records in order")
