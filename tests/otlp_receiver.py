"""An OTLP/HTTP receiver for the tests: the spans the platform's processes export when
``OTEL_EXPORTER_OTLP_ENDPOINT`` names it, kept by trace id (what a collector would hand a
tracing backend). Traces and nothing else: metrics and logs sent here are answered and dropped.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

# Traces kept at most: the oldest go first (a whole test session exports many).
MAX_TRACES = 20_000
SPAN_KINDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, object]
    links: tuple[str, ...]  # trace ids of the linked contexts


def _value(any_value) -> object:
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind in ("string_value", "int_value", "bool_value", "double_value") else None


class OtlpReceiver:
    def __init__(self) -> None:
        self._traces: OrderedDict[str, list[ReceivedSpan]] = OrderedDict()
        self._lock = threading.Lock()
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path == "/v1/traces":
                    receiver._take(trace_service_pb2.ExportTraceServiceRequest.FromString(body))
                reply = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="otlp-receiver", daemon=True)

    def start(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _take(self, request) -> None:
        with self._lock:
            self.requests += 1
            for resource_spans in request.resource_spans:
                service = next((_value(a.value) for a in resource_spans.resource.attributes
                                if a.key == "service.name"), "")
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        trace_id = span.trace_id.hex()
                        self._traces.setdefault(trace_id, []).append(ReceivedSpan(
                            service=str(service), name=span.name, kind=SPAN_KINDS.get(span.kind, str(span.kind)),
                            trace_id=trace_id, span_id=span.span_id.hex(), parent_span_id=span.parent_span_id.hex(),
                            attributes={a.key: _value(a.value) for a in span.attributes},
                            links=tuple(link.trace_id.hex() for link in span.links),
                        ))
                        self._traces.move_to_end(trace_id)
            while len(self._traces) > MAX_TRACES:
                self._traces.popitem(last=False)

    def trace(self, trace_id: str) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._traces.get(trace_id, ()))

    def wait_for(self, trace_id: str, done, timeout: float = 30.0) -> list[ReceivedSpan]:
        """The spans of ``trace_id`` once ``done(spans)`` holds; fails after ``timeout`` seconds,
        naming what arrived."""
        deadline = time.monotonic() + timeout
        while True:
            spans = self.trace(trace_id)
            if done(spans):
                return spans
            if time.monotonic() > deadline:
                raise AssertionError(f"trace {trace_id} incomplete after {timeout} s: "
                                     + ", ".join(sorted(f"{s.service}:{s.name}" for s in spans)))
            time.sleep(0.2)
