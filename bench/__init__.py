"""Gridfusion's benchmarks: each figure beside a baseline measured in the same run.

``python -m bench`` (``make bench``; ``make bench-quick`` is the bounded run for CI) prints one
table and writes ``test-output/bench/bench.json``. The platform is the one ``make run`` starts
(:class:`services.local.LocalPlatform`, on free ports in a temporary folder); every baseline
runs against the same database server and the same nats-server as the figure beside it, so a
ratio says what the platform's own code costs on this machine, whatever else the machine does.

| benchmark | figure | baseline |
| --- | --- | --- |
| ``ingest`` | events/s accepted by ``POST /v1/departments/{d}/events:batch`` (500 a batch, 2 in flight) | ``insert_many`` of the departments' records of the same events into the same server, plus publishing the same messages on a JetStream stream configured like EVENTS with their acknowledgements in flight (500 a batch, 2 in flight) |
| ``fusion`` | events/s from the stream to committed cases: the backlog the ingest left, from fusion resumed to the last event fused | bulk upserts (200 events a batch, fusion's fetch size) of the very event and case documents fusion wrote, into a database with fusion's indexes |
| ``e2e`` | p50/p99 from a department's acceptance to fused, at half the fusion rate | — |
| ``gateway_cases`` | ``GET /v1/cases`` p50/p99 and requests/s at 50 concurrent clients over 20,000 cases (those fused in the run, topped up with copies of them) | the same count and page (filter, projection, sort, limit) straight through PyMongo at the same concurrency |
| ``lookup`` | points/s of ``GridResolver.locate_many`` (batches of 200) at 53, 5,000 and 50,000 grids | the rate at 53 grids |
| ``correlation`` | ms per event of ``CaseStore.fuse`` with 1,000 and with 50,000 open cases in one grid | the 1,000-case figure |
| ``rss_mb`` | peak resident memory of each process of the platform over the run | — |

While the ingest rounds run, fusion is paused (SIGSTOP, then SIGCONT), so the ingest figure is
the gateway's and the departments' alone and the backlog it leaves is what the fusion round
drains. Figures are medians of rounds that alternate with their baselines.
"""
