"""A local feed server for the public-opinion tests: serves the RSS, Atom and malformed
fixtures (tests/fixtures/opinion) and counts the requests."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent.parent / "fixtures" / "opinion"
TYPES = {".rss": "application/rss+xml", ".atom": "application/atom+xml", ".xml": "text/xml"}


class FeedServer:
    """``with FeedServer() as f: f.url("news.rss")``; an unknown name answers 404."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.lstrip("/")
                outer.hits.append(name)
                path = FIXTURES / name
                if "/" in name or not path.is_file():
                    self.send_response(404)
                    self.end_headers()
                    return
                body = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", f"{TYPES[path.suffix]}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{name}"

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
