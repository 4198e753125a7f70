# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the fake external APIs share: a real HTTP server on loopback, in a thread.

Each fake (HubSpot, Salesforce, Zoho, Pipedrive) answers like its provider
in ``_handle``; this base serves the requests, records them and plays the
failures a test scripts (429 with Retry-After, 5xx) in order. An outage
(``down``) answers every call the same way until it is lifted, and ``log``
keeps the time, path and answer of every call: a fault script checks from it
that the connector waited as long as it was told.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# the status of an outage whose calls are accepted and never answered
HANG = 0
# how long such a call is held (longer than any client timeout)
HANG_SECONDS = 600


class FakeApiServer:
    content_type = "application/json"
    # headers sent with every answer (rate-limit headers, for instance)
    default_headers = {}

    def __init__(self):
        self.failures = []  # [(path fragment, status, retry_after)]
        self.raw_answers = []  # [(path fragment, status, body, content type)]
        self.requests = []
        # while set, every call answers (status, Retry-After) or, with
        # status HANG, is accepted and never answered
        self.down = None
        # [(time, method, path, status, Retry-After)] of every call; status
        # HANG for a call left without an answer
        self.log = []
        # called with the path of each answer sent (a fault script's trigger)
        self.on_answer = None
        self.lock = threading.Lock()
        self.log_lock = threading.Lock()  # _send runs under ``lock`` too
        self.stopped = threading.Event()
        self.server = None
        self.thread = None

    def fail(self, fragment, *statuses, retry_after=None):
        """The next calls whose path holds ``fragment`` answer ``statuses``."""
        with self.lock:
            for status in statuses:
                self.failures.append((fragment, status, retry_after))

    def answer_raw(self, fragment, status, body, content_type="text/html", times=1):
        """The next ``times`` calls whose path holds ``fragment`` answer ``body``
        as it is (an HTML error page of a proxy, a JSON shape of another API)."""
        with self.lock:
            for _time in range(times):
                self.raw_answers.append((fragment, status, body, content_type))

    def _outage_answer(self, handler, method, path):
        """Answer the call as the outage says (``down``); True when it did."""
        down = self.down
        if down is None:
            return False
        status, retry_after = down
        if status == HANG:
            with self.log_lock:
                self.log.append((time.time(), method, path, HANG, None))
            # accepted, never answered: the caller's timeout ends the call
            self.stopped.wait(HANG_SECONDS)
            handler.close_connection = True
            return True
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._send(handler, status, {"status": "error", "message": "unavailable"}, headers)
        return True

    def _raw_answer(self, handler, path):
        """Send the next raw answer scripted for ``path``; True when one was sent."""
        with self.lock:
            answer = next((a for a in self.raw_answers if a[0] in path), None)
            if answer:
                self.raw_answers.remove(answer)
        if not answer:
            return False
        _fragment, status, body, content_type = answer
        body = body.encode() if isinstance(body, str) else body
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        return True

    def calls(self, fragment="", method=None):
        """The requests whose path holds ``fragment`` (and of ``method``)."""
        return [
            request
            for request in self.requests
            if fragment in request[1] and (method is None or request[0] == method)
        ]

    # -- server ------------------------------------------------------------
    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

            def do_PATCH(self):
                fake._handle(self, "PATCH")

            def do_PUT(self):
                fake._handle(self, "PUT")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopped.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)

    def _send(self, handler, status, payload=None, headers=None):
        """Answer ``payload`` as JSON (no body when it is None)."""
        body = b"" if payload is None else json.dumps(payload).encode()
        headers = {**self.default_headers, **(headers or {})}
        with self.log_lock:
            path = handler.path.split("?", 1)[0]
            self.log.append(
                (time.time(), handler.command, path, status, headers.get("Retry-After"))
            )
        if self.on_answer:
            self.on_answer(path)
        handler.send_response(status)
        if payload is not None:
            handler.send_header("Content-Type", self.content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _handle(self, handler, method):
        raise NotImplementedError
