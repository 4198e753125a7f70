# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Property-based tests of every door: whatever arrives, a clear answer and nothing lost.

Hypothesis generates the deliveries: random bytes, JSON of any shape and
depth, the providers' own samples truncated, re-encoded or with hostile
values (SQL, script, template and format strings). Each provider's parser
must either read a delivery into inbox items (rejected ones saying why) or
refuse it as malformed, never fail otherwise; the generic door, over real
HTTP, must answer 2xx with the valid part stored, 4xx or 413, never 500,
and store hostile values as plain text. Examples are derived from a fixed
seed (``derandomize``): a failure is the same on every run.
"""

import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.external_crm_connector.adapters.provider import (
    ACTIONS,
    KINDS,
    MAX_KEY_LENGTH,
    InboxItem,
    get_provider,
)
from odoo.addons.external_crm_connector.exceptions import MalformedDelivery

from .common import ExternalCrmCase, sample, sign_generic
from .test_pipedrive import WEBHOOK_PASSWORD, WEBHOOK_USER
from .test_salesforce import ORG
from .test_zoho import CHANNEL_TOKEN

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
HTTP_FUZZ = settings(FUZZ, max_examples=25)

# values an attacker (or a careless integration) puts in a field
HOSTILE = (
    "Robert'); DROP TABLE res_partner;--",
    "' OR '1'='1",
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7} %(name)s %s {0}",
    "\u202eevil\u202c",
    "a\u0000b",
    "\U0001d518\U0001d52b\U0001d526 \U0001f600",  # astral characters
    "x" * 5000,
)
SAMPLES = {
    "generic": ("generic_batch.json", "generic_won_deal_with_lines.json"),
    "hubspot": ("hubspot_webhook_batch.json",),
    "pipedrive": (
        "pipedrive_v2_organization_create.json",
        "pipedrive_v2_person_change.json",
        "pipedrive_v2_person_merge_delete.json",
        "pipedrive_v1_organization_merged.json",
    ),
    "zoho": ("zoho_notification.json",),
    "salesforce": ("salesforce_outbound_message.xml",),
}

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(HOSTILE),
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=40,
)


def _replace_leaves(value, draw_value):
    """``value`` with each leaf replaced by ``draw_value()`` (or kept, when it returns None)."""
    if isinstance(value, dict):
        return {key: _replace_leaves(item, draw_value) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_leaves(item, draw_value) for item in value]
    replacement = draw_value()
    return value if replacement is None else replacement


@st.composite
def mutated_sample(draw, names):
    """A provider's sample, truncated, re-encoded, or with hostile or odd values."""
    raw = sample(draw(st.sampled_from(names)))
    how = draw(st.sampled_from(("truncate", "values", "encoding", "wrap", "bytes")))
    if how == "truncate":
        return raw[: draw(st.integers(min_value=0, max_value=len(raw)))]
    if how == "encoding":
        text = raw.decode()
        return text.encode(
            draw(st.sampled_from(("utf-16", "utf-32", "latin-1", "cp1252"))), "replace"
        )
    if how == "bytes":
        position = draw(st.integers(min_value=0, max_value=len(raw)))
        return raw[:position] + draw(st.binary(max_size=20)) + raw[position:]
    if raw.lstrip().startswith(b"<"):
        # XML: a hostile value where the sample has text
        return raw.replace(b"Atlas", draw(st.sampled_from(HOSTILE)).encode("utf-8", "replace"))
    data = json.loads(raw)
    if how == "wrap":
        depth = draw(st.integers(min_value=1, max_value=3000))
        return ("[" * depth + json.dumps(data) + "]" * depth).encode()
    leaf = st.one_of(st.none(), json_leaves)
    return json.dumps(_replace_leaves(data, lambda: draw(leaf))).encode("utf-8", "surrogatepass")


def bodies(names):
    return st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda value: json.dumps(value).encode("utf-8", "surrogatepass")),
        mutated_sample(names),
    )


@tagged("post_install", "-at_install")
class TestParsersUnderFuzzing(ExternalCrmCase, TransactionCase):
    """Each provider's parser reads or refuses; it never fails otherwise."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.backends = {
            "generic": cls.generic,
            "hubspot": cls._create_backend(
                name="HubSpot fuzz", provider="hubspot", webhook_secret="x", writeback_enabled=True
            ),
            "salesforce": cls._create_backend(
                name="Salesforce fuzz",
                provider="salesforce",
                webhook_secret="x",
                salesforce_organization_id=ORG,
            ),
            "zoho": cls._create_backend(
                name="Zoho fuzz", provider="zoho", webhook_secret=CHANNEL_TOKEN
            ),
            "pipedrive": cls._create_backend(
                name="Pipedrive fuzz",
                provider="pipedrive",
                webhook_secret=WEBHOOK_PASSWORD,
                pipedrive_webhook_user=WEBHOOK_USER,
            ),
        }

    def _check_parse(self, code, body):
        provider = get_provider(self.backends[code])
        try:
            items = provider.parse_delivery(body)
        except MalformedDelivery as error:
            self.assertTrue(str(error), "a refusal says why")
            return
        for item in items:
            self.assertIsInstance(item, InboxItem)
            self.assertIsInstance(item.payload, str)
            self.assertTrue(item.idempotency_key)
            self.assertLessEqual(len(item.idempotency_key), MAX_KEY_LENGTH)
            if item.rejection:
                self.assertIsInstance(item.rejection, str)
                continue
            self.assertIn(item.object_kind, (*KINDS, None))
            self.assertIn(item.action, (*ACTIONS, "echo"))
            self.assertIsInstance(item.external_id, str)
            self.assertNotIn("\x00", item.payload)

    @FUZZ
    @given(body=bodies(SAMPLES["generic"]))
    def test_generic(self, body):
        self._check_parse("generic", body)

    @FUZZ
    @given(body=bodies(SAMPLES["hubspot"]))
    def test_hubspot(self, body):
        self._check_parse("hubspot", body)

    @FUZZ
    @given(body=bodies(SAMPLES["salesforce"]))
    def test_salesforce(self, body):
        self._check_parse("salesforce", body)

    @FUZZ
    @given(body=bodies(SAMPLES["zoho"]))
    def test_zoho(self, body):
        self._check_parse("zoho", body)

    @FUZZ
    @given(body=bodies(SAMPLES["pipedrive"]))
    def test_pipedrive(self, body):
        self._check_parse("pipedrive", body)


# an item of the generic door: mostly valid, sometimes not
generic_items = st.one_of(
    st.builds(
        lambda kind, external_id, name, extra: {
            "object": kind,
            "id": external_id,
            "data": {"name": name, **extra},
        },
        st.sampled_from(("company", "contact")),
        st.text(min_size=1, max_size=30).filter(str.strip),
        st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60)),
        st.dictionaries(
            st.sampled_from(("email", "phone", "city", "vat")), json_leaves, max_size=3
        ),
    ),
    json_values,
)


@tagged("post_install", "-at_install")
class TestGenericDoorUnderFuzzing(ExternalCrmCase, HttpCase):
    """The real controller: 2xx with the valid part stored, 4xx or 413, never 500."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()

    def setUp(self):
        super().setUp()
        self.env.registry.clear_cache()

    def _post(self, body):
        timestamp = int(time.time())
        # a POST even for an empty body (``url_open`` would send a GET)
        return self.opener.post(
            f"{self.base_url()}/external_crm/webhook/{self.generic.webhook_token}",
            data=body,
            timeout=30,
            headers={
                "Content-Type": "application/json",
                "X-Signature-Timestamp": str(timestamp),
                "X-Signature": sign_generic("generic-secret", timestamp, body),
            },
        )

    @HTTP_FUZZ
    @given(items=st.lists(generic_items, min_size=1, max_size=8))
    def test_signed_deliveries_of_any_items(self, items):
        body = json.dumps(items).encode("utf-8", "surrogatepass")
        response = self._post(body)
        self.assertIn(response.status_code, (200, 202, 400, 413, 422), response.text[:300])
        if response.status_code == 400:
            return
        answer = response.json()
        counted = answer.get("accepted", 0) + answer.get("duplicates", 0)
        self.assertEqual(counted + len(answer.get("rejected", [])), len(items), answer)

    @HTTP_FUZZ
    @given(body=bodies(SAMPLES["generic"]))
    def test_signed_bodies_of_any_shape(self, body):
        response = self._post(body)
        self.assertIn(response.status_code, (200, 202, 400, 413, 415, 422), response.text[:300])

    def test_hostile_values_are_stored_and_applied_as_plain_text(self):
        names = [value for value in HOSTILE if "\x00" not in value]
        items = [
            self._item("company", f"fuzz-{index}", {"name": name})
            for index, name in enumerate(names)
        ]
        body = json.dumps(items).encode()
        self.assertEqual(self._post(body).status_code, 202)
        events = self.env["external.crm.event"].search(
            [("backend_id", "=", self.generic.id), ("external_id", "=like", "fuzz-%")]
        )
        self.assertEqual(len(events), len(names))
        for event in events:
            self.assertIn(json.loads(event.payload), items, "stored as it came")
        self._process(self.generic)
        for index, name in enumerate(names):
            partner = self._binding(self.generic, "company", f"fuzz-{index}").partner_id
            self.assertEqual(partner.name, name.strip(), "applied as plain text")
        self.env.cr.execute("SELECT count(*) FROM res_partner")
        self.assertTrue(self.env.cr.fetchone()[0])
