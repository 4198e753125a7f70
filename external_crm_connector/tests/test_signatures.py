# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.tests import BaseCase, tagged

from odoo.addons.external_crm_connector.adapters import signatures

from .common import hubspot_v1, hubspot_v2, hubspot_v3, sample, sign_generic

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"


@tagged("post_install", "-at_install")
class TestSignatures(BaseCase):
    """HubSpot's published vectors, and the addon against an independent implementation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vectors = json.loads(sample("hubspot_signature_vectors.json"))["vectors"]

    def _vector(self, version, method=None):
        return next(
            v
            for v in self.vectors
            if v["version"] == version and (method is None or v.get("method") == method)
        )

    def test_published_vectors(self):
        for vector in self.vectors:
            body = vector["body"].encode()
            if vector["version"] == "v1":
                got = signatures.hubspot_v1_signature(vector["secret"], body)
            elif vector["version"] == "v2":
                got = signatures.hubspot_v2_signature(
                    vector["secret"], vector["method"], vector["uri"], body
                )
            else:
                got = signatures.hubspot_v3_signature(
                    vector["secret"], vector["method"], vector["uri"], body, vector["timestamp"]
                )
            self.assertEqual(got, vector["expected"], vector["version"])

    def test_independent_implementation_agrees(self):
        body = b'[{"eventId":1,"objectId":123}]'
        uri = "https://crm.example.com/external_crm/webhook/abc?x=1"
        self.assertEqual(
            signatures.hubspot_v3_signature(SECRET, "POST", uri, body, "1764000000000"),
            hubspot_v3(SECRET, "POST", uri, body, "1764000000000"),
        )
        self.assertEqual(
            signatures.hubspot_v2_signature(SECRET, "POST", uri, body),
            hubspot_v2(SECRET, "POST", uri, body),
        )
        self.assertEqual(signatures.hubspot_v1_signature(SECRET, body), hubspot_v1(SECRET, body))
        self.assertEqual(
            signatures.generic_signature("s", "1764000000", body),
            sign_generic("s", "1764000000", body),
        )

    def test_v3_vector_with_injected_clock(self):
        vector = self._vector("v3")
        headers = {
            "X-HubSpot-Signature-v3": vector["expected"],
            "X-HubSpot-Request-Timestamp": vector["timestamp"],
        }
        body = vector["body"].encode()
        at_signing = int(vector["timestamp"]) / 1000
        self.assertTrue(
            signatures.verify_hubspot(
                SECRET, headers, "POST", vector["uri"], body, now=at_signing + 299
            )
        )
        # the same delivery five minutes and one second later is refused
        self.assertFalse(
            signatures.verify_hubspot(
                SECRET, headers, "POST", vector["uri"], body, now=at_signing + 301
            )
        )
        # and a changed body or URI too
        self.assertFalse(
            signatures.verify_hubspot(
                SECRET, headers, "POST", vector["uri"], body + b" ", now=at_signing
            )
        )
        self.assertFalse(
            signatures.verify_hubspot(
                SECRET, headers, "POST", vector["uri"] + "x", body, now=at_signing
            )
        )

    def test_v3_decodes_uri_as_hubspot_does(self):
        uri = "https://crm.example.com/hook%3Fa%2Cb%3Ac%3d"
        decoded = "https://crm.example.com/hook?a,b:c%3d"
        self.assertEqual(
            signatures.hubspot_v3_signature(SECRET, "POST", uri, b"[]", "1"),
            hubspot_v3(SECRET, "POST", decoded, b"[]", "1"),
        )

    def test_legacy_versions_only_when_allowed(self):
        v1 = self._vector("v1")
        v2 = self._vector("v2", "POST")
        v1_headers = {"X-HubSpot-Signature": v1["expected"], "X-HubSpot-Signature-Version": "v1"}
        v2_headers = {"X-HubSpot-Signature": v2["expected"], "X-HubSpot-Signature-Version": "v2"}
        for allow in (False, True):
            self.assertEqual(
                signatures.verify_hubspot(
                    SECRET, v1_headers, "POST", "x", v1["body"].encode(), 0, allow_legacy=allow
                ),
                allow,
            )
            self.assertEqual(
                signatures.verify_hubspot(
                    SECRET,
                    v2_headers,
                    v2["method"],
                    v2["uri"],
                    v2["body"].encode(),
                    0,
                    allow_legacy=allow,
                ),
                allow,
            )
        self.assertFalse(signatures.verify_hubspot(SECRET, {}, "POST", "x", b"", 0, True))

    def test_generic_hmac_window_and_bearer(self):
        body = b'{"object":"company"}'
        headers = {"X-Signature-Timestamp": "1000", "X-Signature": sign_generic("k", 1000, body)}
        self.assertTrue(signatures.verify_generic_hmac("k", headers, body, now=1000 + 300))
        self.assertFalse(signatures.verify_generic_hmac("k", headers, body, now=1000 + 301))
        self.assertFalse(signatures.verify_generic_hmac("k", headers, body, now=1000 - 301))
        self.assertFalse(signatures.verify_generic_hmac("other", headers, body, now=1000))
        self.assertFalse(signatures.verify_generic_hmac("k", {}, body, now=1000))
        self.assertTrue(signatures.verify_bearer("k", {"Authorization": "Bearer k"}))
        self.assertTrue(signatures.verify_bearer("k", {"Authorization": "bearer  k "}))
        self.assertFalse(signatures.verify_bearer("k", {"Authorization": "Bearer kk"}))
        self.assertFalse(signatures.verify_bearer("k", {"Authorization": "Basic k"}))
        self.assertFalse(signatures.verify_bearer("k", {}))
        # non-ASCII in a header never raises
        self.assertFalse(signatures.verify_bearer("k", {"Authorization": "Bearer é"}))
