# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import secrets
import time

from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from odoo import http
from odoo.http import request

from ..adapters import signatures
from ..adapters.provider import PROVIDERS
from ..exceptions import MalformedDelivery
from ..services.webhook_settings import DEFAULT_MAX_PAYLOAD, MAX_PAYLOAD_LIMIT, token_hash

_logger = logging.getLogger(__name__)

# an unknown token is checked against this throwaway secret: same work, same time
_DECOY_SECRET = secrets.token_hex(32)
# no body above this size is even read, whatever a backend allows
HARD_LIMIT = MAX_PAYLOAD_LIMIT
# bodies Werkzeug parses as forms: no sender of ours posts one
FORM_MIMETYPES = frozenset(
    ("application/x-www-form-urlencoded", "application/x-url-encoded", "multipart/form-data")
)
# the body is read from the socket in pieces of this size
READ_SIZE = 64 * 1024
# seconds a sender waits before trying again while PostgreSQL is unreachable
DATABASE_RETRY_AFTER = 30


def read_body(httprequest, limit):
    """The request body, or None when it is longer than ``limit`` bytes.

    A chunked body carries no Content-Length, and Werkzeug 2.x reads it to
    its end whatever ``max_content_length`` says: the body is read here in
    pieces, and the reading stops at ``limit`` + 1 bytes, so that a body
    larger than allowed is neither waited for nor held in memory. Raises
    ``OSError`` (or ``BadRequest``) when the chunks cannot be read.
    """
    # Odoo's request wrapper does not expose the input stream: Werkzeug's does
    raw_request = getattr(httprequest, "_HTTPRequest__wrapped", httprequest)
    # read already by an earlier try of this request (Odoo runs a request
    # again after a serialization failure): Werkzeug keeps it there
    cached = getattr(raw_request, "_cached_data", None)
    if cached is not None:
        return cached if len(cached) <= limit else None
    stream = raw_request.stream
    pieces, size = [], 0
    try:
        while size <= limit:
            piece = stream.read(min(READ_SIZE, limit + 1 - size))
            if not piece:
                break
            pieces.append(piece)
            size += len(piece)
    except RequestEntityTooLarge:
        # Werkzeug 2.3 and later stop at the route's max_content_length
        return None
    if size > limit:
        return None
    body = b"".join(pieces)
    # where get_data() and a later try of the request find it
    raw_request._cached_data = body
    return body


class Refused(Exception):
    """A refused delivery, counted already: ``response`` is its answer."""

    def __init__(self, response):
        super().__init__(response.status)
        self.response = response


class ExternalCrmWebhook(http.Controller):
    # auth="none": the delivery authenticates itself (token and signature);
    # no session and no public user are needed (one lookup less per request).
    # raw_body: the body is read here, with the backend's limit, never parsed
    # as a form by Odoo before (see ir.http _pre_dispatch).
    @http.route(
        "/external_crm/webhook/<string:token>",
        type="http",
        auth="none",
        readonly=False,  # it stores events: no read-only first attempt
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=HARD_LIMIT,
        raw_body=True,
    )
    def receive_event(self, token, **kwargs):
        """Store a delivery in the backend's inbox and answer at once.

        Nothing is mapped here: the events wait in the inbox for a queue job.
        Fails closed: 404 for an unknown or inactive token (or a backend
        without secret) and 401 for a missing or bad signature, after the
        same work; 415 for a form-encoded body; 413 above the size limit
        (counted as the body arrives, chunked or not); 400 for a body that
        cannot be read at all. An item that cannot be read is kept in the
        inbox as a rejected event and named in the answer, beside the counts
        of the accepted and repeated items: 202 once new events are stored,
        200 for a repeated delivery, 422 when every item was refused.
        """
        started = time.perf_counter()
        if not request.db:
            return self._database_unavailable()
        settings = self._settings(token)
        # sudo: a refusal is counted before anyone is known (auth="none")
        rejections = request.env["external.crm.rejection"].sudo()
        try:
            body = self._read(rejections, settings)
            provider = self._authentic_provider(rejections, settings, body)
            try:
                items = provider.parse_delivery(body)
            except MalformedDelivery as error:
                raise Refused(self._malformed(rejections, settings, error)) from error
        except Refused as refused:
            return refused.response
        # sudo only to reach the backend; it works as its integration user below
        backend = request.env["external.crm.backend"].sudo().browse(settings.id)
        backend = backend.with_user(settings.integration_user_id).with_context(
            allowed_company_ids=[settings.company_id]
        )
        # refused items are kept too: once however often the sender repeats
        # them, never processed
        new_ids = backend._receive_delivery(items, settings.company_id)
        return self._answer(provider, settings, items, new_ids, started)

    @staticmethod
    def _database_unavailable():
        """503: Odoo could not reach PostgreSQL to pick the database (a restart).

        Odoo then serves the request without a database, where only the
        routes of server-wide modules exist: with the connector loaded
        server-wide (``--load=base,web,queue_job,external_crm_connector``),
        the sender is told to try again rather than given a 404 it would
        take for a wrong URL, and nothing is lost.
        """
        return request.make_json_response(
            {"status": "unavailable", "error": "the database is not reachable, try again"},
            status=503,
            headers=[("Retry-After", str(DATABASE_RETRY_AFTER))],
        )

    @staticmethod
    def _settings(token):
        """The webhook settings of ``token``'s backend, or None (unknown, inactive)."""
        # sudo: the token decides the backend before anyone is known (auth="none")
        backend_model = request.env["external.crm.backend"].sudo()
        settings = backend_model._webhook_settings(token_hash(token))
        if settings and not signatures.constant_time_equal(settings.token, token):
            return None
        return settings

    def _read(self, rejections, settings):
        """The body, read with the backend's limit (the default one for an unknown token)."""
        httprequest = request.httprequest
        limit = min(settings.max_payload_size, HARD_LIMIT) if settings else DEFAULT_MAX_PAYLOAD
        if httprequest.mimetype in FORM_MIMETYPES:
            raise Refused(
                self._refuse(
                    rejections,
                    settings,
                    "form_body",
                    415,
                    "form-encoded bodies are refused: send JSON (XML for Salesforce)",
                )
            )
        if (httprequest.content_length or 0) > limit:
            raise Refused(self._too_large(rejections, settings, limit))
        httprequest.max_content_length = limit
        try:
            body = read_body(httprequest, limit)
        except (OSError, BadRequest) as error:
            raise Refused(
                self._refuse(
                    rejections, settings, "malformed", 400, f"the body cannot be read: {error}"
                )
            ) from error
        if body is None:
            raise Refused(self._too_large(rejections, settings, limit))
        return body

    def _authentic_provider(self, rejections, settings, body):
        """The provider of an authentic delivery; an unknown token does the same work.

        One provider for the check and the parsing: both read the body once.
        """
        httprequest = request.httprequest
        now = time.time()
        provider_class = PROVIDERS.get(settings.provider) if settings else None
        if not provider_class:
            signatures.verify_generic_hmac(_DECOY_SECRET, httprequest.headers, body, now)
            raise Refused(self._unauthentic(rejections, None))
        provider = provider_class(settings)
        try:
            authentic = provider.authenticate(settings.secret, httprequest, body, now)
        except MalformedDelivery as error:
            raise Refused(self._malformed(rejections, settings, error)) from error
        if not authentic:
            raise Refused(self._unauthentic(rejections, settings))
        return provider

    @staticmethod
    def _unauthentic(rejections, settings):
        """404 for an unknown token (no ``settings``), 401 for a bad signature."""
        reason = "bad_signature" if settings else "unknown_token"
        rejections._count(
            reason,
            backend_id=settings.id if settings else None,
            company_id=settings.company_id if settings else None,
        )
        _logger.info(
            "External CRM delivery refused (%s) for backend %s from %s",
            reason,
            settings.id if settings else "-",
            request.httprequest.remote_addr,
        )
        if settings:
            return request.make_json_response({"error": "missing or invalid signature"}, status=401)
        return request.make_json_response({"error": "not found"}, status=404)

    @staticmethod
    def _answer(provider, settings, items, new_ids, started):
        """The answer to a stored delivery: the provider's own, else JSON with the counts."""
        valid = [item for item in items if not item.rejection]
        refused = [item for item in items if item.rejection]
        if refused:
            _logger.info(
                "External CRM delivery for backend %s: %s items rejected",
                settings.id,
                len(refused),
            )
        # the connector's own time in the request, for monitoring (authentic
        # deliveries only: refusals must not tell anything by their timing)
        timing = {"Server-Timing": f"connector;dur={(time.perf_counter() - started) * 1000:.3f}"}
        accepted, duplicates = len(new_ids), len(valid) - len(new_ids)
        answer = provider.acknowledgement(accepted, duplicates, refused)
        if answer is not None:
            status, content_type, answer_body = answer
            return request.make_response(
                answer_body,
                headers=[("Content-Type", content_type), *timing.items()],
                status=status,
            )
        content = {"accepted": accepted, "duplicates": duplicates}
        if refused:
            content["rejected"] = [
                {"index": item.index, "reason": item.rejection} for item in refused
            ]
        if not valid:
            error = "; ".join(f"item {item.index}: {item.rejection}" for item in refused)
            return request.make_json_response(
                {"status": "rejected", **content, "error": error}, headers=timing, status=422
            )
        status = "accepted" if new_ids else "duplicate"
        return request.make_json_response(
            {"status": status, **content}, headers=timing, status=202 if new_ids else 200
        )

    @staticmethod
    def _refuse(rejections, settings, reason, status, error):
        """Count a refused delivery and answer ``status`` with ``error``."""
        rejections._count(
            reason,
            backend_id=settings.id if settings else None,
            company_id=settings.company_id if settings else None,
        )
        return request.make_json_response({"error": error}, status=status)

    @classmethod
    def _malformed(cls, rejections, settings, error):
        _logger.info("External CRM delivery malformed for backend %s: %s", settings.id, error)
        return cls._refuse(rejections, settings, "malformed", 400, str(error))

    @classmethod
    def _too_large(cls, rejections, settings, limit):
        return cls._refuse(
            rejections, settings, "too_large", 413, f"the body is larger than {limit} bytes"
        )
