# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import http.client
import json
import socket
import time
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import config
from odoo.tools.cache import get_cache_key_counter

from odoo.addons.external_crm_connector.adapters.generic import GenericProvider
from odoo.addons.external_crm_connector.adapters.provider import PROVIDERS

from .clock import epoch_ms, moment
from .common import ExternalCrmCase, hubspot_v1, hubspot_v2, hubspot_v3, sample, sign_generic

HUBSPOT_SECRET = "hubspot-client-secret"


class NewerGenericProvider(GenericProvider):
    """A later version of the generic parser: "organisation" also names a company."""

    def parse_item(self, item, raw):
        if item.get("object") == "organisation":
            item = {**item, "object": "company"}
        return super().parse_item(item, raw)


@tagged("post_install", "-at_install")
class TestWebhook(ExternalCrmCase, HttpCase):
    """The real controller, over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.bearer = cls._create_backend(
            name="Make", provider="generic", generic_auth="bearer", webhook_secret="bearer-secret"
        )
        cls.hubspot = cls._create_backend(
            name="HubSpot", provider="hubspot", webhook_secret=HUBSPOT_SECRET
        )

    def setUp(self):
        super().setUp()
        # the webhook caches backend settings per worker: start each test afresh
        self.env.registry.clear_cache()

    def _url(self, backend):
        return f"/external_crm/webhook/{backend.webhook_token}"

    def _post(self, backend_or_url, body, headers=None):
        url = backend_or_url if isinstance(backend_or_url, str) else self._url(backend_or_url)
        headers = {"Content-Type": "application/json", **(headers or {})}
        return self.url_open(url, data=body, headers=headers)

    def _signed(self, body, secret="generic-secret", timestamp=None):
        timestamp = int(time.time()) if timestamp is None else timestamp
        return {
            "X-Signature-Timestamp": str(timestamp),
            "X-Signature": sign_generic(secret, timestamp, body),
        }

    def _events(self, backend):
        return self.env["external.crm.event"].search([("backend_id", "=", backend.id)])

    def _rejections(self, reason, backend=None):
        return sum(
            self.env["external.crm.rejection"]
            .search(
                [("reason", "=", reason), ("backend_id", "=", backend.id if backend else False)]
            )
            .mapped("count")
        )

    def _raw_post(self, path, chunks, headers=None, finish=True, timeout=10, tail=b""):
        """POST ``chunks`` over a socket with ``Transfer-Encoding: chunked``.

        ``url_open`` always sends a Content-Length. With ``finish=False`` the
        last (empty) chunk is never sent, as a sender streaming an endless
        body. Returns ``(status, body)``; ``(None, b"")`` when no answer came
        within ``timeout`` seconds (the server was still reading).
        """
        self.env.flush_all()  # as url_open does: the server reads what the test wrote
        port = int(self.base_url().rpartition(":")[2])
        head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Transfer-Encoding: chunked"]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        request = "\r\n".join([*head, "", ""]).encode()
        request += b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
        request += (b"0\r\n\r\n" if finish else b"") + tail
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            # in one send: a server that answers from the headers and closes
            # (a refused body) must not leave the test writing to a closed
            # socket (a broken pipe, met once on a loaded machine); if it
            # closes before everything is sent, its answer is still read
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(request)
            response = http.client.HTTPResponse(sock)
            try:
                response.begin()
                return response.status, response.read()
            except TimeoutError:
                return None, b""

    def _rejected(self, backend):
        return self._events(backend).filtered(lambda e: e.state == "rejected")

    # -- generic door -----------------------------------------------------
    def test_hmac_delivery_is_stored_and_queued_not_processed(self):
        body = sample("generic_batch.json")
        response = self._post(self.generic, body, self._signed(body))
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json(), {"status": "accepted", "accepted": 3, "duplicates": 0})
        job = self.env["queue.job"].search(
            [("identity_key", "=", f"external_crm_inbox:{self.generic.id}")]
        )
        self.assertEqual(len(job), 1)
        self.assertEqual(job.state, "pending")
        self.assertEqual(job.method_name, "_process_inbox")
        self.assertEqual(job.records, self.generic)
        self.assertEqual(job.channel, self.generic.channel_id.complete_name)
        # processed as the integration user, never as superuser
        self.assertEqual(job.user_id, self.integration_user)
        self.assertEqual(job.records.env.uid, self.integration_user.id)
        self.assertFalse(job.records.env.su)
        # a second delivery finds the waiting job and adds no other
        other = json.dumps(self._item("company", "Q-2", {"name": "Second"})).encode()
        self.assertEqual(self._post(self.generic, other, self._signed(other)).status_code, 202)
        self.assertEqual(
            self.env["queue.job"].search_count(
                [("identity_key", "=", f"external_crm_inbox:{self.generic.id}")]
            ),
            1,
        )
        events = self._events(self.generic).filtered(lambda e: e.external_id != "Q-2")
        self.assertEqual(len(events), 3)
        self.assertEqual(set(events.mapped("state")), {"received"})
        self.assertEqual(
            set(events.mapped("external_event_id")), {"zap-0001", "zap-0002", "zap-0003"}
        )
        # the raw item is kept as it was sent
        contact_event = events.filtered(lambda e: e.object_kind == "contact")
        self.assertIn('"Karim.Benali@Atlas.example"', contact_event.payload)
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Atlas Distribution SARL")]),
            "nothing is mapped inside the request",
        )
        self._process(self.generic)
        self.assertEqual(set(events.mapped("state")), {"done"})

    def test_repeated_delivery_is_200_and_stored_once(self):
        body = sample("generic_batch.json")
        first = self._post(self.generic, body, self._signed(body))
        self.assertEqual(first.status_code, 202)
        jobs = self.env["queue.job"].search_count([])
        again = self._post(self.generic, body, self._signed(body))
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["status"], "duplicate")
        self.assertEqual(len(self._events(self.generic)), 3)
        self.assertEqual(self.env["queue.job"].search_count([]), jobs, "no new job")

    def test_item_without_event_id_is_recognised_by_its_hash(self):
        payload = [self._item("company", "C-9", {"name": "Hashless"})]
        body = json.dumps(payload).encode()
        self.assertEqual(self._post(self.generic, body, self._signed(body)).status_code, 202)
        reformatted = json.dumps(payload, indent=2).encode()
        self.assertEqual(
            self._post(self.generic, reformatted, self._signed(reformatted)).status_code, 200
        )

    def test_bad_or_missing_signature_is_401_and_stores_nothing(self):
        body = sample("generic_batch.json")
        cases = [
            {},
            {"X-Signature-Timestamp": str(int(time.time())), "X-Signature": "sha256=00"},
            self._signed(body, secret="wrong"),
            self._signed(body, timestamp=int(time.time()) - 360),
            self._signed(body, timestamp=int(time.time()) + 360),
            self._signed(body + b" "),
        ]
        for headers in cases:
            response = self._post(self.generic, body, headers)
            self.assertEqual(response.status_code, 401, headers)
            self.assertNotIn("Atlas", response.text)
            self.assertNotIn("Server-Timing", response.headers, "refusals tell no timing")
        self.assertFalse(self._events(self.generic))
        self.assertEqual(self._rejections("bad_signature", self.generic), len(cases))
        accepted = self._post(self.generic, body, self._signed(body))
        self.assertTrue(accepted.headers["Server-Timing"].startswith("connector;dur="))

    def test_bearer_secret(self):
        body = json.dumps(self._item("company", "B-1", {"name": "Bearer Co"})).encode()
        ok = self._post(self.bearer, body, {"Authorization": "Bearer bearer-secret"})
        self.assertEqual(ok.status_code, 202)
        for headers in ({"Authorization": "Bearer nope"}, {}, self._signed(body, "bearer-secret")):
            self.assertEqual(self._post(self.bearer, body, headers).status_code, 401)
        # an HMAC backend does not take the bearer secret
        self.assertEqual(
            self._post(self.generic, body, {"Authorization": "Bearer generic-secret"}).status_code,
            401,
        )

    def test_unknown_or_inactive_token_is_404(self):
        body = sample("generic_batch.json")
        self.assertEqual(
            self._post("/external_crm/webhook/not-a-token", body, self._signed(body)).status_code,
            404,
        )
        url = self._url(self.generic)
        self.generic.active = False
        self.assertEqual(self._post(url, body, self._signed(body)).status_code, 404)
        self.generic.active = True
        self.generic.webhook_secret = False  # fail closed: no secret, no webhook
        self.assertEqual(self._post(url, body, self._signed(body)).status_code, 404)
        self.assertFalse(self._events(self.generic))
        self.assertEqual(self._rejections("unknown_token"), 3)

    def test_regenerated_token_stops_the_old_url(self):
        body = sample("generic_batch.json")
        old_url = self._url(self.generic)
        self.generic.action_regenerate_token()
        self.assertEqual(self._post(old_url, body, self._signed(body)).status_code, 404)
        self.assertEqual(self._post(self.generic, body, self._signed(body)).status_code, 202)
        self.assertGreaterEqual(len(self.generic.webhook_token), 43)  # 256 bits, url-safe

    def test_unknown_token_and_bad_signature_do_the_same_work(self):
        """Same queries for 404 and 401: nothing tells a token apart by timing."""
        body = sample("generic_batch.json")
        headers = self._signed(body, secret="wrong")
        # warm both paths (caches, prepared routes)
        self._post("/external_crm/webhook/unknown-token", body, headers)
        self._post(self.generic, body, headers)
        counts = {}
        for name, url in (
            ("404", "/external_crm/webhook/unknown-token"),
            ("401", self._url(self.generic)),
        ):
            before = self.cr.sql_log_count
            response = self._post(url, body, headers)
            counts[name] = self.cr.sql_log_count - before
            self.assertEqual(str(response.status_code), name)
        self.assertEqual(counts["404"], counts["401"])

    def test_size_limit_is_413(self):
        self.generic.max_payload_size = 200
        item = self._item("company", "BIG", {"name": "x" * 300})
        body = json.dumps(item).encode()
        response = self._post(self.generic, body, self._signed(body))
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self._events(self.generic))
        self.assertEqual(self._rejections("too_large", self.generic), 1)
        # the default limit is 1 MiB
        self.generic.max_payload_size = 1024 * 1024
        big = json.dumps(self._item("company", "BIG", {"name": "x" * (1024 * 1024)})).encode()
        self.assertEqual(self._post(self.generic, big, self._signed(big)).status_code, 413)
        small = json.dumps(self._item("company", "BIG", {"name": "x" * 1000})).encode()
        self.assertEqual(self._post(self.generic, small, self._signed(small)).status_code, 202)

    def test_size_limit_cannot_exceed_the_hard_limit(self):
        """A backend cannot let bodies larger than the route's hard limit be read."""
        with self.assertRaisesRegex(ValidationError, "cannot exceed"):
            self.generic.max_payload_size = 64 * 1024 * 1024 + 1

    def test_malformed_body_is_400(self):
        """A body that cannot be read at all is refused whole: nothing is stored."""
        bodies = {
            b"{not json": "not valid JSON",
            b"[]": "non-empty list",
            b"1": "a JSON object or a non-empty list",
            b'"text"': "a JSON object or a non-empty list",
            b"\xff\xfe": "UTF-8",
            # deeper than Python's JSON decoder goes: malformed, not a 500
            b"[" * 100_000 + b"]" * 100_000: "nested too deeply",
            json.dumps([{"object": "company"}] * 1001).encode(): "at most 1000 items",
        }
        for body, message in bodies.items():
            response = self._post(self.generic, body, self._signed(body))
            self.assertEqual(response.status_code, 400, body[:80])
            self.assertIn(message, response.json()["error"])
        self.assertFalse(self._events(self.generic))
        self.assertEqual(self._rejections("malformed", self.generic), len(bodies))

    def test_malformed_items_are_422_and_kept_as_rejected_events(self):
        """Items that cannot be read are kept, with their raw text and the reason.

        A delivery of nothing else is answered 422 (a sender that retries
        stores nothing twice); the items wait in the inbox, rejected.
        """
        items = {
            b"[1, 2]": "is not a JSON object",
            json.dumps({"object": "ticket", "id": "1", "data": {}}).encode(): "'object' must be",
            json.dumps({"object": "company", "data": {}}).encode(): "'id'",
            json.dumps({"object": "company", "id": "1"}).encode(): "'data' must be",
            json.dumps(
                {"object": "company", "id": "1", "data": {}, "updated_at": "yesterday"}
            ).encode(): "updated_at",
            # PostgreSQL cannot store NUL in text: refused, not a 500
            json.dumps({"object": "company", "id": "a\u0000b", "data": {}}).encode(): "NUL",
            json.dumps(
                {"object": "company", "id": "1", "event_id": "e\u0000", "data": {}}
            ).encode(): "NUL",
            # a lone surrogate cannot be encoded for PostgreSQL
            b'{"object": "company", "id": "a\\ud800", "data": {}}': "invalid character",
            # ids beyond what an index row holds
            json.dumps({"object": "company", "id": "x" * 3000, "data": {}}).encode(): "longer",
            json.dumps(
                {"object": "company", "id": "1", "event_id": "e" * 3000, "data": {}}
            ).encode(): "longer",
            # times out of Python's range
            json.dumps(
                {"object": "company", "id": "1", "data": {}, "updated_at": 10**20}
            ).encode(): "updated_at",
            json.dumps(
                {"object": "company", "id": "1", "data": {}, "updated_at": -(10**15)}
            ).encode(): "updated_at",
            b'{"object": "company", "id": "1", "data": {}, "updated_at": 1e300}': "updated_at",
            b'{"object": "company", "id": "1", "data": {}, "updated_at": NaN}': "updated_at",
            json.dumps(
                {"object": "company", "id": "1", "data": {}, "updated_at": "0001-01-01T00:00+05:00"}
            ).encode(): "updated_at",
        }
        kept = 0
        for body, message in items.items():
            response = self._post(self.generic, body, self._signed(body))
            self.assertEqual(response.status_code, 422, body[:80])
            answer = response.json()
            self.assertIn(message, answer["error"])
            self.assertEqual((answer["accepted"], answer["duplicates"]), (0, 0))
            self.assertEqual(answer["rejected"][0]["index"], 0)
            self.assertIn(message, answer["rejected"][0]["reason"])
            kept += len(answer["rejected"])
            # the sender retries: the items are kept once
            again = self._post(self.generic, body, self._signed(body))
            self.assertEqual(again.status_code, 422)
            self.assertEqual(again.json()["rejected"], answer["rejected"])
        rejected = self._rejected(self.generic)
        self.assertEqual(len(rejected), kept)
        self.assertEqual(rejected, self._events(self.generic), "nothing else is stored")
        nul = rejected.filtered(lambda e: "a\\u0000b" in e.payload)
        self.assertEqual(nul.payload, '{"object": "company", "id": "a\\u0000b", "data": {}}')
        self.assertIn("NUL", nul.last_error)
        self.assertFalse(nul.object_kind or nul.external_id)
        self.assertEqual(self._rejections("malformed", self.generic), 0, "no delivery refused")

    def test_malformed_item_does_not_lose_the_others(self):
        """One malformed item among valid ones: the valid ones are stored and processed."""
        body = json.dumps(
            [
                self._item("company", "MIX-1", {"name": "Mixed One"}, event_id="mix-1"),
                self._item("ticket", "T-1", {"subject": "Not ours"}, event_id="mix-2"),
                self._item("company", "MIX-3", {"name": "Mixed Three"}, event_id="mix-3"),
            ],
            indent=1,
        ).encode()
        response = self._post(self.generic, body, self._signed(body))
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertEqual(
            (answer["status"], answer["accepted"], answer["duplicates"]), ("accepted", 2, 0)
        )
        self.assertEqual(len(answer["rejected"]), 1)
        self.assertEqual(answer["rejected"][0]["index"], 1)
        self.assertIn("'object' must be one of", answer["rejected"][0]["reason"])
        rejected = self._rejected(self.generic)
        self.assertEqual(len(rejected), 1)
        # the item exactly as it was sent
        self.assertIn('"object": "ticket"', rejected.payload)
        self.assertIn(rejected.payload, body.decode())
        self.assertIn("'object' must be one of", rejected.last_error)
        self._process(self.generic)
        self.assertEqual(set(self._events(self.generic).mapped("state")), {"done", "rejected"})
        self.generic.invalidate_recordset(["failed_event_count"])
        self.assertEqual(self.generic.failed_event_count, 1, "shown with the failed events")
        self.assertTrue(self.env["res.partner"].search([("name", "=", "Mixed Three")]))
        # the sender sends it all again: nothing is stored twice
        again = self._post(self.generic, body, self._signed(body))
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json()["duplicates"], 2)
        self.assertEqual(again.json()["rejected"], answer["rejected"])
        self.assertEqual(len(self._events(self.generic)), 3)

    def test_rejected_event_processed_again_with_a_newer_parser(self):
        """*Process Again* reads a rejected item again with the current parser."""
        body = json.dumps(
            [
                self._item("organisation", "NEW-1", {"name": "Organised"}, event_id="org-1"),
                self._item("ticket", "T-9", {"subject": "Never ours"}, event_id="org-2"),
            ]
        ).encode()
        self.assertEqual(self._post(self.generic, body, self._signed(body)).status_code, 422)
        events = self._rejected(self.generic)
        self.assertEqual(len(events), 2)
        organisation = events.filtered(lambda e: "organisation" in e.payload)
        ticket = events - organisation
        manager = self.manager
        # the parser of today still refuses it: it stays rejected, with the reason
        result = organisation.with_user(manager).action_retry()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertEqual(organisation.state, "rejected")
        self.assertIn("'object' must be one of", organisation.last_error)
        # a newer parser reads it: it goes to the inbox and is processed
        with patch.dict(PROVIDERS, {"generic": NewerGenericProvider}):
            result = (organisation | ticket).with_user(manager).action_retry()
        self.assertEqual(result["params"]["type"], "warning", "the ticket is still refused")
        self.assertEqual(organisation.state, "received")
        self.assertEqual(
            (organisation.object_kind, organisation.external_id, organisation.idempotency_key),
            ("company", "NEW-1", "event:org-1"),
        )
        self.assertFalse(organisation.last_error)
        self.assertEqual(ticket.state, "rejected", "still malformed: still rejected")
        self._process(self.generic)
        self.assertEqual(organisation.state, "done", organisation.last_error)
        self.assertEqual(organisation.partner_id.name, "Organised")
        # delivered again, corrected, before it is read again: a duplicate
        late = json.dumps(
            self._item("organisation", "NEW-2", {"name": "Later"}, event_id="org-3")
        ).encode()
        self.assertEqual(self._post(self.generic, late, self._signed(late)).status_code, 422)
        late_event = self._rejected(self.generic) - ticket
        fixed = json.dumps(
            self._item("company", "NEW-2", {"name": "Later"}, event_id="org-3")
        ).encode()
        self.assertEqual(self._post(self.generic, fixed, self._signed(fixed)).status_code, 202)
        with patch.dict(PROVIDERS, {"generic": NewerGenericProvider}):
            self.assertIs(late_event.with_user(manager).action_retry(), True)
        self.assertEqual(late_event.state, "duplicate")
        self.assertIn("event:org-3", late_event.summary)

    def test_chunked_delivery_is_read_with_its_limit(self):
        """Chunked bodies carry no Content-Length: the size is counted as they are read."""
        self.generic.max_payload_size = 1000
        path = self._url(self.generic)
        body = json.dumps([self._item("company", f"CH-{n}", {"name": "c"}) for n in range(5)])
        body = body.encode()
        self.assertLess(len(body), 1000)
        chunks = [body[start : start + 100] for start in range(0, len(body), 100)]
        headers = {"Content-Type": "application/json", **self._signed(body)}
        status, answer = self._raw_post(path, chunks, headers)
        self.assertEqual(status, 202, answer)
        self.assertEqual(json.loads(answer)["accepted"], 5)
        # one byte over the limit, sent in full: refused
        big = json.dumps(self._item("company", "CH-BIG", {"name": "x" * 1000})).encode()
        chunks = [big[start : start + 100] for start in range(0, len(big), 100)]
        headers = {"Content-Type": "application/json", **self._signed(big)}
        status, answer = self._raw_post(path, chunks, headers)
        self.assertEqual(status, 413, answer)
        self.assertIn(b"larger than 1000 bytes", answer)
        self.assertEqual(len(self._events(self.generic)), 5)
        self.assertEqual(self._rejections("too_large", self.generic), 1)
        # chunks that are not chunks: a clear 400, not a 500
        status, answer = self._raw_post(
            path, [], headers, finish=False, tail=b"zz\r\nnot a chunk\r\n0\r\n\r\n"
        )
        self.assertEqual(status, 400, answer)
        self.assertIn(b"the body cannot be read", answer)
        self.assertEqual(self._rejections("malformed", self.generic), 1)

    def test_endless_chunked_body_is_refused_without_reading_it(self):
        """A body streamed past the limit is answered 413 at the limit, not at its end.

        The sender never finishes its body (8 times the limit, no last
        chunk): the answer comes anyway, so the server neither waited for
        the rest nor held it in memory.
        """
        self.generic.max_payload_size = 1000
        status, answer = self._raw_post(
            self._url(self.generic),
            [b"x" * 1000] * 8,
            {"Content-Type": "application/json"},
            finish=False,
        )
        self.assertEqual(status, 413, "no answer: the server was still reading the body")
        self.assertIn(b"larger than 1000 bytes", answer)
        self.assertEqual(self._rejections("too_large", self.generic), 1)
        # before the backend is known (an unknown token): the same, at the default limit
        status, answer = self._raw_post(
            "/external_crm/webhook/unknown-token",
            [b"x" * 65536] * 16 + [b"x"],
            {"Content-Type": "application/json"},
            finish=False,
        )
        self.assertEqual(status, 413, "no answer: the server was still reading the body")
        self.assertIn(b"larger than 1048576 bytes", answer)
        self.assertFalse(self._events(self.generic))

    def test_form_bodies_are_415_before_odoo_parses_them(self):
        """Odoo parses form bodies into memory before any controller runs: refused first.

        A chunked form body that never ends is answered at once: the parser,
        which reads a form to its end, did not run.
        """
        form = b"object=company&id=1&data=x"
        for content_type, body in (
            ("application/x-www-form-urlencoded", form),
            ("multipart/form-data; boundary=XyZ", b"--XyZ\r\n\r\nx\r\n--XyZ--\r\n"),
        ):
            response = self._post(
                self.generic, body, {"Content-Type": content_type, **self._signed(body)}
            )
            self.assertEqual(response.status_code, 415, content_type)
            self.assertIn("JSON", response.json()["error"])
        status, _answer = self._raw_post(
            self._url(self.generic),
            [b"a=" + b"x" * 1000] * 8,
            {"Content-Type": "application/x-www-form-urlencoded"},
            finish=False,
        )
        self.assertEqual(status, 415, "no answer: Odoo's form parser was reading the body")
        self.assertFalse(self._events(self.generic))
        self.assertEqual(self._rejections("form_body", self.generic), 3)

    def test_unknown_tokens_add_no_cache_entries(self):
        """An unknown token costs no cache entry: a flood of them cannot evict the rest."""
        body = sample("generic_batch.json")
        headers = self._signed(body)
        # the default ormcache, which holds the webhook's settings
        cache = get_cache_key_counter(self.env["ir.config_parameter"]._get_param, "x")[0]

        def entries():
            return sum(1 for key in list(cache.d) if key[0] == "external.crm.backend")

        self._post("/external_crm/webhook/warm-up", body, headers)
        self.assertEqual(self._post(self.generic, body, headers).status_code, 202)
        before = entries()
        for index in range(20):
            response = self._post(f"/external_crm/webhook/unknown-{index}", body, headers)
            self.assertEqual(response.status_code, 404)
        self.assertEqual(entries(), before)
        # a known token is cached once, however often it comes
        self.assertEqual(self._post(self.generic, body, headers).status_code, 200)
        self.assertEqual(entries(), before)

    def test_batch_of_100_items(self):
        payload = [
            self._item("contact", f"P-{i}", {"name": f"Person {i}"}, event_id=f"e-{i}")
            for i in range(100)
        ]
        body = json.dumps(payload).encode()
        response = self._post(self.generic, body, self._signed(body))
        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.json()["accepted"], 100)
        # a partly repeated batch stores only the new items
        payload.append(self._item("contact", "P-100", {"name": "Person 100"}, event_id="e-100"))
        body = json.dumps(payload).encode()
        response = self._post(self.generic, body, self._signed(body))
        self.assertEqual(response.json(), {"status": "accepted", "accepted": 1, "duplicates": 100})
        self.assertEqual(len(self._events(self.generic)), 101)

    # -- HubSpot ------------------------------------------------------------
    def _hubspot_headers(self, url, body, secret=HUBSPOT_SECRET, timestamp=None):
        timestamp = str(int(time.time() * 1000) if timestamp is None else timestamp)
        return {
            "X-HubSpot-Signature-v3": hubspot_v3(secret, "POST", url, body, timestamp),
            "X-HubSpot-Request-Timestamp": timestamp,
        }

    def test_hubspot_v3(self):
        body = sample("hubspot_webhook_batch.json")
        url = self.base_url() + self._url(self.hubspot)
        response = self._post(self.hubspot, body, self._hubspot_headers(url, body))
        self.assertEqual(response.status_code, 202, response.text)
        events = self._events(self.hubspot)
        self.assertEqual(len(events), 6)
        self.assertEqual(
            sorted(events.mapped("action")),
            ["delete", "merge", "upsert", "upsert", "upsert", "upsert"],
        )
        # retried by HubSpot (attemptNumber + 1): recognised
        retried = json.loads(body)
        for event in retried:
            event["attemptNumber"] += 1
        retried = json.dumps(retried).encode()
        response = self._post(self.hubspot, retried, self._hubspot_headers(url, retried))
        self.assertEqual(response.status_code, 200)
        stale = self._hubspot_headers(url, body, timestamp=int(time.time() * 1000) - 301000)
        self.assertEqual(self._post(self.hubspot, body, stale).status_code, 401)
        wrong = self._hubspot_headers(url, body, secret="other")
        self.assertEqual(self._post(self.hubspot, body, wrong).status_code, 401)
        # signed for another URI (the URI is part of the signature)
        other = self._hubspot_headers(url + "x", body)
        self.assertEqual(self._post(self.hubspot, body, other).status_code, 401)

    def test_hubspot_merge_without_a_list_of_ids_is_rejected(self):
        """``mergedObjectIds`` must be a list of object ids; else the event is rejected.

        Before, a string was split into its characters, and a number, or a
        list holding objects, failed every job of the inbox that read it.
        A rejected event is kept (once, whatever HubSpot's retries) and never
        processed.
        """
        url = self.base_url() + self._url(self.hubspot)
        merge = {
            "eventId": 2001,
            "subscriptionId": 12349,
            "portalId": 62515,
            "occurredAt": epoch_ms(moment(-3, 10, 0, 4)),
            "subscriptionType": "contact.merge",
            "attemptNumber": 0,
            "objectId": 124,
            "primaryObjectId": 124,
        }
        bad_values = (
            "123",
            123,
            {"id": 123},
            None,
            [None],
            [True],
            [{"id": 123}],
            [[123]],
            [""],
            [1.5],
            [123, ""],
        )
        for merged in bad_values:
            body = json.dumps([{**merge, "mergedObjectIds": merged}]).encode()
            response = self._post(self.hubspot, body, self._hubspot_headers(url, body))
            self.assertEqual(response.status_code, 422, merged)
            self.assertIn(
                "'mergedObjectIds' must be a list of object ids", response.json()["error"]
            )
            # HubSpot retries (attemptNumber + 1): the same rejected event
            retried = json.dumps([{**merge, "mergedObjectIds": merged, "attemptNumber": 1}])
            retried = retried.encode()
            response = self._post(self.hubspot, retried, self._hubspot_headers(url, retried))
            self.assertEqual(response.status_code, 422, merged)
        body = json.dumps([merge]).encode()
        response = self._post(self.hubspot, body, self._hubspot_headers(url, body))
        self.assertEqual(response.status_code, 422, "a merge without merged ids")
        self.assertEqual(len(self._rejected(self.hubspot)), len(bad_values) + 1)
        self.assertEqual(self._rejected(self.hubspot), self._events(self.hubspot))
        # a valid merge next to a malformed one: stored, and the answer names the other
        body = json.dumps(
            [{**merge, "mergedObjectIds": [123, "125"]}, {**merge, "eventId": 2002}]
        ).encode()
        response = self._post(self.hubspot, body, self._hubspot_headers(url, body))
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json()["accepted"], 1)
        self.assertEqual([r["index"] for r in response.json()["rejected"]], [1])
        self.assertEqual(
            self._events(self.hubspot).filtered(lambda e: e.state == "received").action, "merge"
        )

    def test_hubspot_v3_behind_a_reverse_proxy(self):
        body = sample("hubspot_webhook_batch.json")
        public = "https://crm.example.com" + self._url(self.hubspot)
        headers = {
            **self._hubspot_headers(public, body),
            "X-Forwarded-Host": "crm.example.com",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
        }
        with patch.dict(config.options, {"proxy_mode": True}):
            self.assertEqual(self._post(self.hubspot, body, headers).status_code, 202)
        # without proxy mode, the forwarded host is not trusted: the URI differs
        self.env["external.crm.event"].search([("backend_id", "=", self.hubspot.id)]).unlink()
        with patch.dict(config.options, {"proxy_mode": False}):
            self.assertEqual(self._post(self.hubspot, body, headers).status_code, 401)

    def test_hubspot_legacy_signatures_when_allowed(self):
        body = sample("hubspot_webhook_batch.json")
        url = self.base_url() + self._url(self.hubspot)
        v1 = {"X-HubSpot-Signature": hubspot_v1(HUBSPOT_SECRET, body)}
        v2 = {
            "X-HubSpot-Signature": hubspot_v2(HUBSPOT_SECRET, "POST", url, body),
            "X-HubSpot-Signature-Version": "v2",
        }
        self.assertEqual(self._post(self.hubspot, body, v1).status_code, 401)
        self.assertEqual(self._post(self.hubspot, body, v2).status_code, 401)
        self.hubspot.hubspot_legacy_signatures = True
        self.assertEqual(self._post(self.hubspot, body, v2).status_code, 202)
        self.assertEqual(self._post(self.hubspot, body, v1).status_code, 200)
