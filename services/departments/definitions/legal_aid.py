"""法律援助 legal aid: consultations and aid applications; one community, one adviser."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..definition import Department, Details, EventType

_LEGAL = frozenset({"legal_service.consultation", "legal_service.aid_application"})


class ConsultationDetails(Details):
    topic: Literal["family", "labour", "property", "contract", "injury", "other"] = Field(
        "other", description="咨询领域"
    )
    applicant_name: str | None = Field(None, max_length=64, description="申请人姓名 (personal data)")


class AidApplicationDetails(ConsultationDetails):
    hardship_proof: bool = Field(False, description="是否提交经济困难证明")


DEPARTMENT = Department(
    name="legal_aid",
    label="法律援助",
    event_types={
        "legal_aid.consultation": EventType("法律咨询", frozenset({"legal_service.consultation"}), ConsultationDetails),
        "legal_aid.application": EventType("法律援助申请", _LEGAL, AidApplicationDetails),
    },
)
