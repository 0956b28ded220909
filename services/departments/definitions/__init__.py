"""One definition module per department; this table is the whole list."""

from __future__ import annotations

from ..definition import Department
from . import civil_affairs, comprehensive_governance, legal_aid, petition, police_assistant

DEFINITIONS: dict[str, Department] = {
    d.name: d
    for d in (
        comprehensive_governance.DEPARTMENT,
        petition.DEPARTMENT,
        legal_aid.DEPARTMENT,
        police_assistant.DEPARTMENT,
        civil_affairs.DEPARTMENT,
    )
}
