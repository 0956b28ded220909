"""Handling results: what a department reports back on a case handed over to it.

``ReportResult`` publishes a ``HandlingResult`` on ``gridfusion.results.<department>`` with
``Nats-Msg-Id`` = ``result_id`` (given, or derived from the report), so a retried report is one
report.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from gridfusion.departments.v1 import departments_pb2 as pb

from services.platform import bus

from .validation import FieldErrors

RESULT_CE_TYPE = "gridfusion.handling_result.v1"
RESULT_TEXT_MAX = 200
NOTE_MAX = 4000


def result_id_of(department: str, request: pb.ReportResultRequest) -> str:
    """The report's stable id: the caller's, else derived from what it says."""
    if request.result_id:
        return request.result_id
    text = f"{department}\x1f{request.case_id}\x1f{request.result}\x1f{request.note}\x1f{request.actor}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def check_result(request: pb.ReportResultRequest) -> FieldErrors:
    errors: FieldErrors = []
    if not 1 <= len(request.case_id) <= 128:
        errors.append(("case_id", "must be 1 to 128 characters"))
    if not 1 <= len(request.result.strip()) <= RESULT_TEXT_MAX:
        errors.append(("result", f"must be 1 to {RESULT_TEXT_MAX} characters"))
    if len(request.note) > NOTE_MAX:
        errors.append(("note", f"must be at most {NOTE_MAX} characters"))
    if len(request.actor) > 128:
        errors.append(("actor", "must be at most 128 characters"))
    if len(request.result_id) > 128:
        errors.append(("result_id", "must be at most 128 characters"))
    return errors


async def publish_result(js, department: str, source: str, request: pb.ReportResultRequest, now: datetime) -> None:
    """Publish a checked report (:func:`check_result`); raises when JetStream did not acknowledge it."""
    result_id = result_id_of(department, request)
    message = pb.HandlingResult(
        case_id=request.case_id, department=department, result=request.result.strip(),
        note=request.note, actor=request.actor, result_id=result_id,
    )
    message.reported_at.FromDatetime(now)
    await bus.publish(
        js, bus.results_subject(department), message,
        event_id=result_id, ce_type=RESULT_CE_TYPE, source=source, ce_subject=request.case_id,
    )
