# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the webhook needs of a backend, cached per worker, and how it stores a delivery."""

from odoo import api, models, tools

from ..adapters.provider import PROVIDERS
from ..services.webhook_settings import DEFAULT_MAX_PAYLOAD, WebhookSettings


class ExternalCrmBackendWebhook(models.AbstractModel):
    _name = "external.crm.backend.webhook"
    _description = "External CRM Backend: Webhook Settings"

    @api.model
    def _webhook_settings(self, hashed):
        """Settings the webhook needs for a token hash, or None.

        None for an unknown or inactive token, or a backend without a signing
        secret. An unknown hash costs one look-up in the cached map of the
        backends' hashes: no query and no cache entry, so that a flood of
        made-up tokens can neither load the database nor evict the rest of
        the cache.
        """
        backend_id = self._webhook_backend_ids().get(hashed)
        return self._webhook_settings_of(backend_id) if backend_id else None

    @api.model
    @tools.ormcache()
    def _webhook_backend_ids(self):
        """``{token hash: backend id}`` of the backends that take deliveries.

        Cached per worker, one entry for all backends. The cache is cleared
        on every change of a backend (``create``, ``write`` and ``unlink``
        clear the registry cache, which every worker notices at its next
        request).
        """
        # sudo: the token hashes and secrets are for administrators; only
        # which backends take deliveries is read here
        backends = (
            self.sudo()
            .with_context(active_test=True)
            .search_fetch(
                [
                    ("webhook_token_hash", "!=", False),
                    ("webhook_token", "!=", False),
                    ("webhook_secret", "!=", False),
                ],
                ["webhook_token_hash"],
            )
        )
        return tools.frozendict({backend.webhook_token_hash: backend.id for backend in backends})

    @api.model
    @tools.ormcache("backend_id")
    def _webhook_settings_of(self, backend_id):
        """The webhook settings of a backend of ``_webhook_backend_ids``, cached per worker."""
        # sudo: the webhook authenticates the delivery itself; the secret
        # never leaves the request
        backend = self.sudo().browse(backend_id)
        return WebhookSettings(
            id=backend.id,
            token=backend.webhook_token,
            secret=backend.webhook_secret,
            provider=backend.provider,
            max_payload_size=backend.max_payload_size or DEFAULT_MAX_PAYLOAD,
            integration_user_id=backend.integration_user_id.id,
            company_id=backend.company_id.id,
            generic_auth=backend.generic_auth,
            hubspot_legacy_signatures=backend.hubspot_legacy_signatures,
            extra=backend._webhook_extra(),
        )

    def _webhook_extra(self):
        """Settings the webhook needs beyond the common ones: a dict.

        The provider names its own (``Provider.webhook_extra``); the
        properties written back are there so that their echoes are not
        processed. Cached with the settings: plain values only.
        """
        self.ensure_one()
        extra = {}
        written = ()
        if self.writeback_enabled:
            written += self._written_properties()
        if self.status_enabled:
            written += self._status_properties()
        if written:
            extra["written_properties"] = tuple(dict.fromkeys(written))
        provider_class = PROVIDERS.get(self.provider)
        if provider_class:
            extra.update(provider_class.webhook_extra(self))
        return extra

    def _receive_delivery(self, items, company_id):
        """Store a webhook delivery and make sure a job will process it.

        Returns the ids of the new events to process; the rejected items
        (``rejection`` set) are stored beside them, and nothing waits for
        them. Runs in a short transaction of
        its own at READ COMMITTED: when an identical delivery is being
        stored at the same moment, the INSERT waits for it and then finds
        its rows, instead of failing on a serialization error (the request's
        own REPEATABLE READ snapshot cannot see rows committed after it
        started), which Odoo would answer by replaying the whole request
        after a sleep. Tests that share one transaction store in it.
        """
        self.ensure_one()
        registry = self.env.registry
        with registry.cursor() as cr:
            if not registry.in_test_mode():
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            backend = self.with_env(self.env(cr=cr))
            inbox = backend.env["external.crm.event"]
            new_ids, job_waiting = inbox._store_items(
                backend,
                [item for item in items if not item.rejection],
                company_id=company_id,
                check_job=True,
            )
            refused = [item for item in items if item.rejection]
            if refused:
                inbox._store_items(backend, refused, company_id=company_id)
            if new_ids and not job_waiting:
                backend._schedule_inbox_processing(force=True)
        if new_ids and job_waiting:
            # the job seen waiting may have started, and taken the snapshot
            # in which it reads the inbox, before this delivery committed: it
            # cannot see these events. Read again now that they are
            # committed; a job still waiting starts after this read, and sees them.
            with registry.cursor() as cr:
                self.with_env(self.env(cr=cr))._schedule_inbox_processing(recheck=False)
        return new_ids
