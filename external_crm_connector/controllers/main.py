# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import secrets
import time

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from ..adapters import signatures
from ..adapters.provider import PROVIDERS
from ..exceptions import MalformedDelivery
from ..models.external_crm_backend import DEFAULT_MAX_PAYLOAD, MAX_PAYLOAD_LIMIT, token_hash

_logger = logging.getLogger(__name__)

# an unknown token is checked against this throwaway secret: same work, same time
_DECOY_SECRET = secrets.token_hex(32)
# no body above this size is even read, whatever a backend allows
HARD_LIMIT = MAX_PAYLOAD_LIMIT


class ExternalCrmWebhook(http.Controller):
    # auth="none": the delivery authenticates itself (token and signature);
    # no session and no public user are needed (one lookup less per request)
    @http.route(
        "/external_crm/webhook/<string:token>",
        type="http",
        auth="none",
        readonly=False,  # it stores events: no read-only first attempt
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=HARD_LIMIT,
    )
    def receive_event(self, token, **kwargs):
        """Store a delivery in the backend's inbox and answer at once.

        Nothing is mapped here: the events wait in the inbox for a queue job.
        Fails closed: 404 for an unknown or inactive token (or a backend
        without secret) and 401 for a missing or bad signature, after the
        same work; 413 above the size limit; 400 for a body that cannot be
        read; 202 once the new events are stored; 200 for a repeated delivery.
        """
        started = time.perf_counter()
        httprequest = request.httprequest
        backend_model = request.env["external.crm.backend"].sudo()
        settings = backend_model._webhook_settings(token_hash(token))
        if settings and not signatures.constant_time_equal(settings.token, token):
            settings = None
        limit = min(settings.max_payload_size, HARD_LIMIT) if settings else DEFAULT_MAX_PAYLOAD
        rejections = request.env["external.crm.rejection"].sudo()
        if (httprequest.content_length or 0) > limit:
            return self._too_large(rejections, settings, limit)
        httprequest.max_content_length = limit
        try:
            body = httprequest.get_data()
        except RequestEntityTooLarge:
            return self._too_large(rejections, settings, limit)
        now = time.time()
        provider_class = PROVIDERS.get(settings.provider) if settings else None
        # one provider for the check and the parsing: both read the body once
        provider = provider_class(settings) if provider_class else None
        if provider:
            try:
                authentic = provider.authenticate(settings.secret, httprequest, body, now)
            except MalformedDelivery as error:
                return self._malformed(rejections, settings, error)
        else:
            signatures.verify_generic_hmac(_DECOY_SECRET, httprequest.headers, body, now)
            authentic = False
        if not authentic:
            reason = "bad_signature" if provider_class else "unknown_token"
            rejections._count(
                reason,
                backend_id=settings.id if provider_class else None,
                company_id=settings.company_id if provider_class else None,
            )
            _logger.info(
                "External CRM delivery refused (%s) for backend %s from %s",
                reason,
                settings.id if provider_class else "-",
                httprequest.remote_addr,
            )
            if provider_class:
                return request.make_json_response(
                    {"error": "missing or invalid signature"}, status=401
                )
            return request.make_json_response({"error": "not found"}, status=404)
        try:
            items = provider.parse_delivery(body)
        except MalformedDelivery as error:
            return self._malformed(rejections, settings, error)
        backend = backend_model.browse(settings.id).with_user(settings.integration_user_id)
        backend = backend.with_context(allowed_company_ids=[settings.company_id])
        new_ids = backend._receive_delivery(items, settings.company_id)
        # the connector's own time in the request, for monitoring (accepted
        # deliveries only: refusals must not tell anything by their timing)
        timing = {"Server-Timing": f"connector;dur={(time.perf_counter() - started) * 1000:.3f}"}
        answer = provider.acknowledgement(len(new_ids), len(items) - len(new_ids))
        if answer is not None:
            status, content_type, answer_body = answer
            return request.make_response(
                answer_body,
                headers=[("Content-Type", content_type), *timing.items()],
                status=status,
            )
        if not new_ids:
            return request.make_json_response(
                {"status": "duplicate", "accepted": 0, "duplicates": len(items)},
                headers=timing,
                status=200,
            )
        return request.make_json_response(
            {
                "status": "accepted",
                "accepted": len(new_ids),
                "duplicates": len(items) - len(new_ids),
            },
            headers=timing,
            status=202,
        )

    @staticmethod
    def _malformed(rejections, settings, error):
        rejections._count("malformed", backend_id=settings.id, company_id=settings.company_id)
        _logger.info("External CRM delivery malformed for backend %s: %s", settings.id, error)
        return request.make_json_response({"error": str(error)}, status=400)

    @staticmethod
    def _too_large(rejections, settings, limit):
        rejections._count(
            "too_large",
            backend_id=settings.id if settings else None,
            company_id=settings.company_id if settings else None,
        )
        return request.make_json_response(
            {"error": f"the body is larger than {limit} bytes"}, status=413
        )
