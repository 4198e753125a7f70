# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A HubSpot, Salesforce, Zoho and Pipedrive won deal each becomes the right sale order.

End to end, as each CRM delivers its deals (thin webhook events read back
through the API, Outbound Messages, notifications, or webhooks carrying the
deal), with the line items in each provider's fake API on loopback. The
scenarios are ``ProviderOrdersCase``'s; each class below says how its CRM
holds and delivers a deal.
"""

import hashlib
from itertools import count

from odoo.tests import TransactionCase, tagged

from odoo.addons.external_crm_connector.adapters.salesforce.ids import id18

from .clock import epoch_ms, iso, moment
from .orders_providers_common import CHANGED_LINES, ProviderOrdersCase
from .test_deal_lines_zoho import product_line
from .test_pipedrive import PipedriveCase, v2
from .test_salesforce import ACCOUNT as SF_ACCOUNT
from .test_salesforce import ORG, SalesforceCase, message, notification, notification_id
from .test_zoho import ACCOUNT as ZOHO_ACCOUNT
from .test_zoho import ZohoCase

NUMBERS = count(1)


def total(lines):
    """What the CRM shows as the deal's amount."""
    return sum(
        quantity * price * (1 - discount / 100) for _c, _n, quantity, price, discount in lines
    )


# the backend settings naming the deal's status properties
STATUS_SETTINGS = (
    "status_order_property",
    "status_state_property",
    "status_invoiced_property",
    "status_due_property",
    "status_paid_property",
    "status_payment_date_property",
    "status_paid_in_full_property",
    "status_overdue_days_property",
)


def status_names(name_of):
    """``{setting: property}``, each property named by ``name_of(setting's figure)``."""
    return {
        setting: name_of(setting.removeprefix("status_").removesuffix("_property"))
        for setting in STATUS_SETTINGS
    }


def drop(records, belongs):
    """Remove the ``records`` of a fake that ``belongs(record)``: a deal's former lines."""
    for key in [key for key, record in records.items() if belongs(record)]:
        del records[key]


@tagged("post_install", "-at_install")
class TestHubSpotOrders(ProviderOrdersCase, TransactionCase):
    """Thin events (creation, propertyChange); deals and line items read from CRM v3/v4."""

    COMPANY = "9001"
    LINE_PATHS = ("/crm/v4/associations/deals/line_items", "/crm/v3/objects/line_items/batch/read")
    STAGES = {"won": "closedwon", "lost": "closedlost", "open": "appointmentscheduled"}

    @classmethod
    def _setup_backend(cls):
        cls._setup_connector()
        return cls._setup_fake_hubspot("pat-na1-orders", name="HubSpot orders")

    def setUp(self):
        super().setUp()
        self._reset_fake_hubspot()
        self.fake.deal_line_items = {}
        self.fake.add("company", 9001, {"name": "Atlas HubSpot"}, updated_at=iso(moment(-1, 8)))

    def _deal_id(self, number):
        return str(7700 + number)

    def _put_deal(self, deal_id, lines, stage, currency, when):
        properties = {
            "dealname": f"Showroom {deal_id}",
            "amount": str(total(lines)),
            "dealstage": self.STAGES[stage],
            "deal_currency_code": currency,
        }
        self.fake.add("deal", deal_id, properties, updated_at=iso(when), company=9001)
        self.fake.deal_line_items[deal_id] = []
        for position, (code, name, quantity, price, discount) in enumerate(lines):
            line = {"name": name, "hs_sku": code, "quantity": str(quantity), "price": str(price)}
            line.update(hs_discount_percentage=str(discount) if discount else None)
            self.fake.add_line_item(
                deal_id, next(NUMBERS) + 7330129700, {**line, "hs_position_on_quote": position}
            )

    def _payloads(self, deal_ids, with_company, when):
        def event(subscription, object_id):
            return {
                "eventId": next(NUMBERS),
                "subscriptionId": 1,
                "portalId": 62515,
                "occurredAt": epoch_ms(when),
                "subscriptionType": subscription,
                "attemptNumber": 0,
                "objectId": int(object_id),
                "changeSource": "CRM",
            }

        events = [event("company.creation", 9001)] if with_company else []
        change = "deal.creation" if with_company else "deal.propertyChange"
        return [events + [event(change, deal_id) for deal_id in deal_ids]]

    # -- HubSpot's line item webhooks ------------------------------------------
    def _line_item_event(self, line_id, subscription="line_item.propertyChange", **extra):
        event = {
            "eventId": next(NUMBERS),
            "subscriptionId": 2,
            "portalId": 62515,
            "occurredAt": epoch_ms(moment(-1, 11)),
            "subscriptionType": subscription,
            "attemptNumber": 0,
            "objectId": int(line_id),
            "changeSource": "CRM",
            **extra,
        }
        return self._store(self.backend, [event])

    def _lines_change_in_hubspot(self):
        """The deal's line items change in HubSpot, the deal itself as it was."""
        self._won()
        order = self._order()
        deal_id = self._deal_id(1)
        deal = self.fake.objects["deal"][deal_id]
        self._put_deal(deal_id, CHANGED_LINES, "won", self.currency_code, moment(-1, 9))
        self.fake.objects["deal"][deal_id] = deal
        return order, self.fake.deal_line_items[deal_id][0]

    def test_a_line_item_changed_in_hubspot_updates_the_quotation(self):
        order, line_id = self._lines_change_in_hubspot()
        event = self._line_item_event(line_id)
        self.assertEqual((event.object_kind, event.action), ("deal", "lines"))
        self._process(self.backend)
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        self.assertIn(f"deal {self._deal_id(1)} changed", event.summary)
        self.assertEqual(self._order(), order)
        self._check_order(lines=CHANGED_LINES)

    def test_hubspot_generic_webhooks_of_line_items_are_followed(self):
        """``object.propertyChange`` of a line item (type 0-8), and its association
        change with the deal, in the generic format."""
        order, line_id = self._lines_change_in_hubspot()
        change = self._line_item_event(line_id, "object.propertyChange", objectTypeId="0-8")
        self.assertEqual(change.action, "lines")
        link = self._line_item_event(
            line_id,
            "object.associationChange",
            fromObjectTypeId="0-8",
            toObjectTypeId="0-3",
            fromObjectId=int(line_id),
            toObjectId=int(self._deal_id(1)),
            associationRemoved=False,
        )
        self.assertEqual(
            (link.object_kind, link.external_id, link.action),
            ("deal", self._deal_id(1), "association"),
        )
        self._process(self.backend)
        self.assertEqual(self._order(), order)
        self._check_order(lines=CHANGED_LINES)

    def test_a_line_item_of_no_deal_or_deleted_changes_nothing(self):
        self._won()
        orphan = self._line_item_event(999999)
        deleted = self._line_item_event(999998, "line_item.deletion")
        self.assertFalse(deleted.object_kind, "its deal's association change names the deal")
        self._process(self.backend)
        self.assertEqual(orphan.state, "ignored")
        self.assertIn("belongs to no deal", orphan.summary)
        self.assertEqual(deleted.state, "ignored")
        self._check_order()

    def test_line_items_are_not_followed_without_sale_orders(self):
        self.backend.order_creation = False
        event = self._line_item_event(7330129701)
        self._process(self.backend)
        self.assertEqual(event.state, "ignored")
        self.assertIn("Sale orders from deals are off", event.summary)
        self.assertFalse(self.fake.calls("/line_items/deals"), "nothing read for nothing")


@tagged("post_install", "-at_install")
class TestSalesforceOrders(ProviderOrdersCase, SalesforceCase, TransactionCase):
    """Outbound Messages; opportunities and their OpportunityLineItem read by SOQL."""

    COMPANY = SF_ACCOUNT
    LINE_PATHS = ("FROM OpportunityLineItem", "SELECT Id, CurrencyIsoCode FROM Opportunity")
    STAGES = {"won": "Closed Won", "lost": "Closed Lost", "open": "Prospecting"}

    @classmethod
    def _setup_backend(cls):
        return cls._setup_salesforce_api()

    def setUp(self):
        super().setUp()
        self.fake.reset()
        self.fake.add("Organization", ORG, {"DefaultCurrencyIsoCode": self.currency_code})
        self.fake.add("Account", SF_ACCOUNT, {"Name": "Atlas Salesforce"}, iso(moment(-1, 8)))

    def _deal_id(self, number):
        return id18(f"0065e{number:010d}")

    def _status_names(self):
        return status_names(lambda figure: f"Odoo_{figure.title()}__c")

    def _remove_company(self):
        self.fake.delete("Account", SF_ACCOUNT, iso(moment(-1, 8, 30)))

    def _line_requests(self):
        soql = self.fake.soql()
        return {piece: sum(piece in text for text in soql) for piece in self.LINE_PATHS}

    def _put_deal(self, deal_id, lines, stage, currency, when):
        opportunity = {
            "Name": f"Showroom {deal_id}",
            "Amount": total(lines),
            "StageName": self.STAGES[stage],
            "AccountId": SF_ACCOUNT,
            "CurrencyIsoCode": currency,
        }
        self.fake.add("Opportunity", deal_id, opportunity, modified=iso(when))
        items = self.fake.records["OpportunityLineItem"]
        drop(items, lambda item: item["OpportunityId"] == deal_id)
        for code, name, quantity, price, discount in lines:
            item = {"OpportunityId": deal_id, "ProductCode": code, "Name": name}
            item.update(Quantity=quantity, UnitPrice=price, Discount=discount or None)
            self.fake.add("OpportunityLineItem", id18(f"00k5e{next(NUMBERS):010d}"), item)

    def _payloads(self, deal_ids, with_company, when):
        kinds = [("Account", SF_ACCOUNT)] if with_company else []
        kinds += [("Opportunity", deal_id) for deal_id in deal_ids]
        return [
            message(
                *(
                    notification(notification_id(next(NUMBERS)), sobject, {"Id": record_id})
                    for sobject, record_id in kinds
                )
            )
        ]


@tagged("post_install", "-at_install")
class TestZohoOrders(ProviderOrdersCase, ZohoCase, TransactionCase):
    """Notifications; deals read from the API, their lines from their accepted quote."""

    COMPANY = ZOHO_ACCOUNT
    LINE_PATHS = ("/crm/v6/coql", "/crm/v6/Quotes")
    STAGES = {"won": "Closed Won", "lost": "Closed Lost", "open": "Qualification"}

    @classmethod
    def _setup_backend(cls):
        return cls.zoho

    def _deal_id(self, number):
        return str(4150868000000260000 + number)

    def _status_names(self):
        return status_names(lambda figure: f"Odoo_{figure.title()}")

    def _put_deal(self, deal_id, lines, stage, currency, when):
        deal = {
            "Deal_Name": f"Showroom {deal_id}",
            "Amount": total(lines),
            "Stage": self.STAGES[stage],
            "Account_Name": {"name": "Atlas Zoho", "id": ZOHO_ACCOUNT},
        }
        self.fake.add("deal", deal_id, deal, modified=iso(when, "+00:00"))
        drop(self.fake.records["quote"], lambda quote: quote["Deal_Name"]["id"] == deal_id)
        if not lines:
            return  # no accepted quote: nothing sold yet
        details = [
            product_line(
                str(4150868000000410000 + next(NUMBERS)),
                {"name": name, "id": f"product-{code}", "Product_Code": code},
                quantity,
                price,
                quantity * price * discount / 100,
            )
            for code, name, quantity, price, discount in lines
        ]
        quote = {
            "Deal_Name": {"id": deal_id, "name": deal["Deal_Name"]},
            "Quote_Stage": "Confirmed",
        }
        quote.update(Currency=currency, Product_Details=details)
        self.fake.add("quote", str(4150868000000400000 + next(NUMBERS)), quote)

    def _payloads(self, deal_ids, with_company, when):
        deals = self._notification("Deals", "update", list(deal_ids), epoch_ms(when))
        if not with_company:
            return [deals]
        return [self._notification("Accounts", "insert", [ZOHO_ACCOUNT], epoch_ms(when)), deals]


@tagged("post_install", "-at_install")
class TestPipedriveOrders(ProviderOrdersCase, PipedriveCase, TransactionCase):
    """Webhooks v2 carrying the deal; its products read from API v2 with their codes."""

    COMPANY = "501"
    LINE_PATHS = ("/api/v2/deals/products", "/api/v2/products")
    PRODUCTS = {"CAR-6060": 88, "LIV-CASA": 91, "NOPE-1": 77}
    ORG = {"name": "Atlas Pipedrive"}

    @classmethod
    def _setup_backend(cls):
        return cls.pipedrive

    def setUp(self):
        super().setUp()
        for code, product_id in self.PRODUCTS.items():
            self.fake.add("product", product_id, {"name": code, "code": code})
        self.fake.add("company", 501, self.ORG, update_time=iso(moment(-1, 8)))

    def _deal_id(self, number):
        return str(1200 + number)

    def _status_names(self):
        """Pipedrive names a custom field by a key of 40 hexadecimal characters."""
        return status_names(lambda figure: hashlib.sha1(figure.encode()).hexdigest())

    def _put_deal(self, deal_id, lines, stage, currency, when):
        self.fake.add(
            "deal",
            deal_id,
            {
                "title": f"Showroom {deal_id}",
                "value": total(lines),
                "currency": currency,
                "status": stage,
                "stage_id": 5,
                "pipeline_id": 1,
                "org_id": 501,
                "lost_reason": None,
            },
            update_time=iso(when),
        )
        drop(self.fake.records["deal_product"], lambda row: str(row["deal_id"]) == deal_id)
        for code, name, quantity, price, discount in lines:
            row = {"product_id": self.PRODUCTS[code], "name": name, "currency": currency}
            row.update(item_price=price, quantity=quantity, discount=discount)
            self.fake.add_deal_product(deal_id, next(NUMBERS), row)

    def _payloads(self, deal_ids, with_company, when):
        meta = {"timestamp": iso(when, ".000Z")}
        payloads = []
        if with_company:
            org = self.fake.records["company"]["501"]
            payloads.append(v2("organization", "change", 501, org, {}, f"o{next(NUMBERS)}", **meta))
        for deal_id in deal_ids:
            deal = self.fake.records["deal"][deal_id]
            payloads.append(v2("deal", "change", deal_id, deal, {}, f"d{next(NUMBERS)}", **meta))
        return payloads
