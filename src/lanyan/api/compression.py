"""gzip for every response worth it: JSON, GeoJSON, HTML, CSS, JS above :data:`GZIP_FROM` bytes.

Starlette's ``GZipMiddleware`` does the work. It leaves alone what must not be buffered or is
already compressed: ``text/event-stream`` (the live alarm desk: each event is sent as it
happens, uncompressed), bodies that already carry a ``Content-Encoding``, partial (206) answers,
images, video, fonts and zip files; here also XLSX/DOCX (zip inside) and PDF. Bodies from
128 KiB up are compressed in a worker thread, off the event loop.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

GZIP_FROM = 1024  # bytes: below that the header and the CPU cost more than they save
GZIP_LEVEL = 5  # a county's road layer: 8x smaller at level 5, level 9 only ~3 % more and slower
ALREADY_COMPRESSED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)


def install(app: FastAPI) -> None:
    """Compress ``app``'s responses; call it after the other middleware so it wraps them all."""
    app.add_middleware(
        GZipMiddleware,
        minimum_size=GZIP_FROM,
        compresslevel=GZIP_LEVEL,
        exclude_content_types=ALREADY_COMPRESSED,
    )
