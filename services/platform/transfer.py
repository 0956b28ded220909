"""An import on its way to fusion: the zip of the exchange format as ``ImportChunk`` messages,
the options in the first (the command line and the gateway's upload send it alike)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from gridfusion.reference.v1 import reference_pb2 as rpb

CHUNK = 512 * 1024


async def import_chunks(data: bytes, options: rpb.ImportOptions) -> AsyncIterator[rpb.ImportChunk]:
    yield rpb.ImportChunk(options=options, data=data[:CHUNK])
    for start in range(CHUNK, len(data), CHUNK):
        yield rpb.ImportChunk(data=data[start:start + CHUNK])
