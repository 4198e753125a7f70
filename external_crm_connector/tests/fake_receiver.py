# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A fake receiver of the generic door's outbound webhooks (a Zapier catch hook).

A real HTTP server on loopback that checks each delivery's signature as a
receiver would (``verify_generic_hmac``), keeps what it was sent and, when
a test scripts it, answers failures (503, 429 with Retry-After, 400) first.
"""

import json
import time

from odoo.addons.external_crm_connector.adapters.signatures import verify_generic_hmac

from .fake_server import FakeApiServer


class FakeReceiver(FakeApiServer):
    def __init__(self, secret):
        super().__init__()
        self.secret = secret
        self.received = []  # [(headers, body as JSON, signature valid)]

    def reset(self):
        with self.lock:
            self.failures, self.requests, self.received = [], [], []

    @property
    def hook_url(self):
        return f"{self.url}/hooks/catch/123/abc/"

    def deliveries(self):
        """The bodies received with a valid signature and a 2xx answer."""
        return [body for headers, body, valid, status in self.received if valid and status < 300]

    def _handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = dict(handler.headers)
        valid = verify_generic_hmac(self.secret, handler.headers, raw, int(time.time()))
        with self.lock:
            self.requests.append((method, handler.path, "", headers))
            failure = next((f for f in self.failures if f[0] in handler.path), None)
            if failure:
                self.failures.remove(failure)
        status = failure[1] if failure else (200 if valid else 401)
        with self.lock:
            self.received.append((headers, json.loads(raw or b"{}"), valid, status))
        extra = {"Retry-After": str(failure[2])} if failure and failure[2] is not None else None
        self._send(handler, status, {"status": "success" if status < 300 else "error"}, extra)
