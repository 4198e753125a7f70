# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib
import hmac
import json
from pathlib import Path

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.crm_accounting_bridge.tests.kept_figures import KeptFiguresChecked
from odoo.addons.external_crm_connector.adapters.provider import get_provider

from .clock import EARLIER, iso
from .fake_hubspot import FakeHubSpot

SAMPLES = Path(__file__).parent / "samples"


def sample(name):
    return (SAMPLES / name).read_bytes()


def sign_generic(secret, timestamp, body):
    """The generic door's signature, computed here independently of the addon."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def hubspot_v3(secret, method, uri, body, timestamp):
    """HubSpot's documented v3 algorithm, written again for the tests."""
    message = f"{method}{uri}{body.decode()}{timestamp}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def hubspot_v2(secret, method, uri, body):
    return hashlib.sha256(f"{secret}{method}{uri}{body.decode()}".encode()).hexdigest()


def hubspot_v1(secret, body):
    return hashlib.sha256(secret.encode() + body).hexdigest()


class ExternalCrmCase(KeptFiguresChecked):
    """Backends, users and delivery helpers shared by the connector tests;
    every test checks the open item summary at its end."""

    @classmethod
    def _own_transactions_in_test(cls):
        """What a job writes in a transaction of its own (the pause a provider
        asks for) is written in the test's transaction, as HttpCase does."""
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)

    @classmethod
    def _setup_connector(cls):
        cls.company = cls.env.company
        cls.morocco = cls.env.ref("base.ma")
        cls.company.country_id = cls.morocco
        cls.manager = new_test_user(
            cls.env,
            login="ecrm_manager",
            groups="external_crm_connector.group_external_crm_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.integration_user = cls.env.ref("external_crm_connector.user_integration")
        # the fake APIs listen on http://127.0.0.1: allowed for the tests only
        cls.env["ir.config_parameter"].set_param("external_crm_connector.allow_loopback", True)
        cls.generic = cls._create_backend(
            name="Zapier", provider="generic", webhook_secret="generic-secret"
        )
        cls.won_stage = cls.env["crm.stage"].create({"name": "Signed", "is_won": True})
        cls.new_stage = cls.env["crm.stage"].create({"name": "Fresh", "sequence": 0})
        stage_line = cls.generic.field_map_ids.filtered(lambda m: m.field_name == "stage_id")
        stage_line.value_ids.filtered(lambda v: v.external_value == "won").stage_id = cls.won_stage
        stage_line.value_ids.filtered(lambda v: v.external_value == "new").stage_id = cls.new_stage

    @classmethod
    def _setup_fake_hubspot(cls, token, **values):
        """Start a fake HubSpot API on loopback; return a backend that calls it."""
        cls.fake = FakeHubSpot(token=token).start()
        cls.addClassCleanup(cls.fake.stop)
        cls.env["ir.config_parameter"].set_param("external_crm_connector.api_backoff", "0.01")
        return cls._create_backend(
            provider="hubspot",
            webhook_secret="client-secret",
            api_token=token,
            api_base_url=cls.fake.url,
            **values,
        )

    def _reset_fake_hubspot(self):
        """Empty the fake HubSpot between tests (it lives as long as the class)."""
        self.fake.objects = {"company": {}, "contact": {}, "deal": {}}
        self.fake.deal_companies = {}
        self.fake.failures = []
        self.fake.raw_answers = []
        self.fake.without_id = set()
        self.fake.requests = []
        self.fake.updates = []

    @classmethod
    def _create_backend(cls, **values):
        values.setdefault("default_country_id", cls.env.ref("base.ma").id)
        return cls.env["external.crm.backend"].create(values)

    @staticmethod
    def _item(kind, external_id, data=None, updated_at=None, **extra):
        item = {"object": kind, "id": external_id, "updated_at": updated_at or iso(EARLIER)}
        if data is not None:
            item["data"] = data
        item.update(extra)
        return item

    def _store(self, backend, payload):
        """Store a delivery as the webhook does; return the new events."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        items = get_provider(backend).parse_delivery(body)
        integration = backend._as_integration_user()
        ids = integration.env["external.crm.event"]._store_items(integration, items)
        return self.env["external.crm.event"].browse(ids)

    def _process(self, backend):
        """Run the inbox job of ``backend`` until it has nothing left."""
        for _round in range(20):
            integration = backend._as_integration_user()
            if not integration.env["external.crm.event"]._inbox_batch(integration)[0]:
                break
            self.env.invalidate_all()
            backend._as_integration_user()._process_inbox()
        self.env.invalidate_all()

    def _run_import(self, backend, limit=50):
        """Run the initial import's page jobs in order, as the job runner would."""
        for _round in range(limit):
            cursor = backend.cursor_ids.filtered(lambda c: c.state in ("waiting", "running"))[:1]
            if not cursor:
                return
            cursor.with_user(self.integration_user)._import_next_page()
            if cursor.state == "failed":
                return

    def _run_pull(self, backend, limit=50):
        """Run the catch-up pull's page jobs in order, as the job runner would."""
        for _round in range(limit):
            cursor = backend.pull_cursor_ids.filtered(lambda c: c.state == "running")[:1]
            if not cursor:
                return
            cursor.with_user(self.integration_user)._pull_next_page()

    def _deliver(self, backend, payload):
        events = self._store(backend, payload)
        self._process(backend)
        return events

    def _binding(self, backend, kind, external_id):
        return (
            self.env["external.crm.binding"]
            .with_context(active_test=False)
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("object_kind", "=", kind),
                    ("external_id", "=", external_id),
                ]
            )
        )
