"""Personal data (names, phone numbers, id numbers): masked unless the role needs them, and every
unmasked read written to the audit log that the county queries (who, what, when, why)."""

from __future__ import annotations

from gridfusion.community.v1 import community_pb2 as cpb

from .auth import Principal

# The purpose recorded when the caller gives none: the duty that lets the role see the data.
DUTY = {
    "secretary": "grid duty (网格服务): the grid's branch secretary",
    "worker": "grid duty (网格服务): the grid's worker",
    "member": "service order (党员接单): the member serving the order",
}


def mask_name(name: str) -> str:
    """张三丰 → 张**: the family name stays, so a worker can still greet the person."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_digits(value: str, keep_head: int, keep_tail: int) -> str:
    """138****5678 for a phone (3, 4); 370921********1234 for an id number (6, 4)."""
    if not value:
        return ""
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def mask_phone(phone: str) -> str:
    return mask_digits(phone, 3, 4)


def mask_id_number(id_number: str) -> str:
    return mask_digits(id_number, 6, 4)


def audit_entry(caller: Principal, *, what: str, why: str | None, grid_id: str, records: int) -> cpb.AuditEntry:
    return cpb.AuditEntry(
        who=caller.username, role=caller.role, what=what, why=(why or DUTY.get(caller.role, "not given"))[:500],
        grid_id=grid_id, records=records,
    )


async def record_read(state, caller: Principal, *, what: str, why: str | None, grid_id: str, records: int) -> None:
    """Write one unmasked read to the audit log before the data leaves the gateway."""
    if records <= 0:
        return
    await state.peers.community.RecordAudit(
        audit_entry(caller, what=what, why=why, grid_id=grid_id, records=records),
        timeout=state.settings.rpc_timeout_seconds,
    )
