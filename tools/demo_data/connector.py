# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two external CRMs: a generic JSON backend (Zapier) and HubSpot, with their inboxes.

Deliveries are stored as the webhook stores them (the provider parses the
body, the integration user stores the items) and processed as the inbox job
does, without any call to an external API: the generic door's items carry
their records; the HubSpot backend holds records read by an initial import
(stored with their content) and webhook notices that fail, because no API
token is set, with the message a real portal would show until it is.
"""

import json
from datetime import datetime, timedelta

from odoo.addons.external_crm_connector.adapters.items import RemoteRecord
from odoo.addons.external_crm_connector.adapters.provider import get_provider
from odoo.addons.external_crm_connector.models.external_crm_pull_cursor import pulled_item

from .cast import GENERIC_SECRET, HUBSPOT_SECRET, Text

HUBSPOT_PORTAL = 24681357


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Connector:
    def __init__(self, setup):
        self.setup = setup
        self.env = setup.env
        self.lang = setup.lang
        self.now = datetime.combine(setup.plan.today, datetime.min.time()) + timedelta(hours=9)
        self.generic = self.hubspot = None

    def run(self, step):
        step("connector: backends", self.backends)
        step("connector: generic deliveries", self.generic_deliveries)
        step("connector: a salesperson edits a synced customer", self.local_change)
        step("connector: a change that conflicts", self.conflicting_change)
        step("connector: HubSpot import and notices", self.hubspot_deliveries)

    def _ago(self, days, hours=0):
        return _iso(self.now - timedelta(days=days, hours=hours))

    # -- backends ----------------------------------------------------------------
    def backends(self):
        setup, env = self.setup, self.env
        common = {
            "company_id": setup.companies["casa"].id,
            "default_country_id": env.ref("base.ma").id,
            "user_id": setup.users["salesperson"].id,
            "team_id": setup.teams["sales"].id,
        }
        self.generic = env["external.crm.backend"].create(
            {
                **common,
                "name": "Zapier (demo)",
                "provider": "generic",
                "generic_auth": "hmac",
                "webhook_secret": GENERIC_SECRET,
                # the README's deal example becomes a quotation
                "order_creation": True,
            }
        )
        self.hubspot = env["external.crm.backend"].create(
            {
                **common,
                "name": "HubSpot (demo)",
                "provider": "hubspot",
                "webhook_secret": HUBSPOT_SECRET,
            }
        )

    # -- storing and processing, as the webhook and the inbox job do ---------------
    def _store(self, backend, payload):
        body = json.dumps(payload).encode()
        items = get_provider(backend).parse_delivery(body)
        return self._store_items(backend, items)

    def _store_items(self, backend, items):
        integration = backend._as_integration_user()
        ids = integration.env["external.crm.event"]._store_items(integration, items)
        return self.env["external.crm.event"].browse(ids)

    def _process(self, backend):
        """Run the backend's inbox job until nothing is left to process."""
        for _round in range(20):
            integration = backend._as_integration_user()
            if not integration.env["external.crm.event"]._inbox_batch(integration)[0]:
                break
            self.env.invalidate_all()
            backend._as_integration_user()._process_inbox()
        self.env.invalidate_all()

    # -- generic JSON ------------------------------------------------------------
    def _item(self, event_id, kind, external_id, days, data, **extra):
        item = {
            "event_id": event_id,
            "object": kind,
            "id": external_id,
            "updated_at": self._ago(days),
            "data": data,
        }
        item.update(extra)
        return item

    def generic_deliveries(self):
        """What Zapier sent over the last days, processed.

        New companies with their contacts and deals (one won, with line
        items: its quotation is made), a company matched to an existing
        customer by its VAT number, a company without a name (failed), an
        item of an unknown kind (rejected at the door) and a company whose
        e-mail is that of two customers (an identity conflict to review).
        """
        lang = self.lang
        atlas = self.setup.plan.customer("atlas")
        deliveries = [
            [
                self._item(
                    "demo-0001",
                    "company",
                    "ext-C-201",
                    9,
                    {
                        "name": "Kasbah Tamadot Lodge",
                        "email": "achats@kasbah-tamadot.example",
                        "phone": "+212 5 24 36 82 00",
                        "city": "Asni",
                        "country": "MA",
                    },
                ),
                self._item(
                    "demo-0002",
                    "contact",
                    "ext-P-201",
                    9,
                    {
                        "name": "Samir Lahlou",
                        "email": "samir@kasbah-tamadot.example",
                        "job_title": Text("Estate manager", "Intendant")(lang),
                        "company_id": "ext-C-201",
                    },
                ),
                self._item(
                    "demo-0003",
                    "deal",
                    "ext-D-201",
                    8,
                    {
                        "name": Text(
                            "Kasbah Tamadot: 12 suites bathrooms",
                            "Kasbah Tamadot : salles de bains de 12 suites",
                        )(lang),
                        "amount": 168000,
                        "stage": "qualified",
                        "company_id": "ext-C-201",
                    },
                ),
            ],
            [
                self._item(
                    "demo-0004",
                    "company",
                    "ext-C-202",
                    6,
                    {"name": atlas.name, "vat": atlas.vat, "country": "MA"},
                ),
                self._item(
                    "demo-0005",
                    "deal",
                    "ext-D-202",
                    6,
                    {
                        "name": Text(
                            "Atlas Bâtiment: Bouskoura villas",
                            "Atlas Bâtiment : villas de Bouskoura",
                        )(lang),
                        "amount": 96000,
                        "stage": "proposition",
                        "company_id": "ext-C-202",
                    },
                ),
            ],
            [
                self._item(
                    "demo-0006",
                    "company",
                    "ext-C-203",
                    5,
                    {
                        "name": "Chefchaouen Blue Hotel",
                        "email": "direction@chefchaouen-blue.example",
                        "city": "Chefchaouen",
                        "country": "MA",
                    },
                ),
                self._item(
                    "demo-0007",
                    "deal",
                    "ext-D-203",
                    4,
                    {
                        "name": Text(
                            "Chefchaouen Blue Hotel: lobby tiling",
                            "Chefchaouen Blue Hotel : carrelage du hall",
                        )(lang),
                        "amount": 15930,
                        "currency": "MAD",
                        "stage": "won",
                        "company_id": "ext-C-203",
                        "lines": [
                            {
                                "sku": "CAR-6060",
                                "name": Text("Tile pallet 60x60", "Palette de carreaux 60x60")(
                                    lang
                                ),
                                "quantity": 12,
                                "unit_price": 1200,
                                "discount": 10,
                            },
                            {
                                "sku": "LIV-CASA",
                                "name": Text("Delivery", "Livraison")(lang),
                                "quantity": 1,
                                "unit_price": 450,
                            },
                        ],
                    },
                ),
            ],
            # a web form sent without its company name: the event fails
            [self._item("demo-0008", "company", "ext-C-204", 3, {"title": "Riad Dar Zitoun"})],
            # two items, one of an object the door does not know: kept as rejected
            [
                self._item(
                    "demo-0009",
                    "contact",
                    "ext-P-203",
                    3,
                    {
                        "name": "Nour El Houda",
                        "email": "nour@chefchaouen-blue.example",
                        "company_id": "ext-C-203",
                    },
                ),
                self._item("demo-0010", "ticket", "ext-T-1", 3, {"subject": "SAV"}),
            ],
            # the e-mail of both Benjelloun companies: which one is it?
            [
                self._item(
                    "demo-0011",
                    "company",
                    "ext-C-205",
                    2,
                    {
                        "name": "Benjelloun",
                        "email": "compta@benjelloun.example",
                        "city": "Meknès",
                        "country": "MA",
                    },
                )
            ],
        ]
        for delivery in deliveries:
            self._store(self.generic, delivery)
            self._process(self.generic)

    def local_change(self):
        """The salesperson corrects the lodge's city in Odoo after it was synced."""
        binding = self._binding(self.generic, "company", "ext-C-201")
        salesperson = self.setup.users["salesperson"]
        binding.partner_id.with_user(salesperson).write({"city": "Marrakech"})

    def conflicting_change(self):
        """The CRM sends another city for the lodge, without a time: a field conflict."""
        item = self._item(
            "demo-0012",
            "company",
            "ext-C-201",
            0,
            {"name": "Kasbah Tamadot Lodge", "city": "Ouirgane", "country": "MA"},
        )
        item.pop("updated_at")
        self._store(self.generic, [item])
        self._process(self.generic)

    def _binding(self, backend, kind, external_id):
        return self.env["external.crm.binding"].search(
            [
                ("backend_id", "=", backend.id),
                ("object_kind", "=", kind),
                ("external_id", "=", external_id),
            ]
        )

    # -- HubSpot -------------------------------------------------------------------
    def hubspot_deliveries(self):
        """Records an initial import read (processed), then webhook notices (failed).

        The notices only name the record that changed: reading it needs the
        private app's token, which the demo does not have.
        """
        provider = get_provider(self.hubspot)
        records = [
            ("company", "9101", {"name": "Palmeraie Golf Resort", "city": "Marrakech"}),
            ("company", "9102", {"name": "Tanger Med Logistique", "city": "Tanger"}),
            ("company", "9103", {"name": "Casablanca Marina Bureaux", "city": "Casablanca"}),
            (
                "contact",
                "5101",
                {
                    "firstname": "Ilyas",
                    "lastname": "Berrada",
                    "email": "ilyas.berrada@palmeraie-golf.example",
                    "associatedcompanyid": "9101",
                },
            ),
            (
                "contact",
                "5102",
                {
                    "firstname": "Hajar",
                    "lastname": "Ziani",
                    "email": "hajar.ziani@tangermed-logistique.example",
                    "associatedcompanyid": "9102",
                },
            ),
        ]
        items = []
        for index, (kind, external_id, values) in enumerate(records):
            if kind == "company":
                values = {**values, "country": "MA"}
            record = RemoteRecord(
                kind=kind,
                external_id=external_id,
                values=values,
                modified_at=self.now - timedelta(days=12, minutes=index),
            )
            items.append(pulled_item(provider, record))
        self._store_items(self.hubspot, items)
        self._process(self.hubspot)
        notices = [
            self._notice(1, "company.propertyChange", 9102, 2, phone="+212 5 39 34 00 00"),
            self._notice(2, "contact.creation", 5103, 1),
            self._notice(3, "deal.creation", 7101, 1),
        ]
        self._store(self.hubspot, notices)
        self._process(self.hubspot)

    def _notice(self, number, subscription, object_id, days, **change):
        occurred = self.now - timedelta(days=days, hours=number)
        notice = {
            "eventId": 4_000_000 + number,
            "subscriptionId": 1_100 + number,
            "portalId": HUBSPOT_PORTAL,
            "appId": 1_234_567,
            "occurredAt": int((occurred - datetime(1970, 1, 1)).total_seconds() * 1000),
            "subscriptionType": subscription,
            "attemptNumber": 0,
            "objectId": object_id,
            "changeSource": "CRM",
        }
        for name, value in change.items():
            notice.update(propertyName=name, propertyValue=value)
        return notice
