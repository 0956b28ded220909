"""What the community and party-building stores refuse, and why: ``kind`` picks the gRPC answer
(``not_found``, ``invalid``, ``exists``, ``state`` — what the record's state does not allow —
and ``role`` — what the actor may not do)."""

from __future__ import annotations


class Refused(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
