# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The values of a won deal's order: currency, pricelist, products, lines.

Read with the integration user's rights; nothing is guessed: a product is
found by its code, or it is missing (``OrderValues.line_values``).
"""

import hashlib
import json


def lines_key(currency, lines):
    """A digest of a deal's lines and currency: the version an order was made from."""
    rows = [
        [line.reference, line.name, line.quantity, line.unit_price, line.discount, line.tax_code]
        for line in lines
    ]
    text = json.dumps([currency, rows], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class OrderValues:
    """Finds what a won deal's order is made of, in the backend's company."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self.company = backend.company_id

    def currency(self, code):
        if not code:
            return self.company.currency_id
        return self.env["res.currency"].search([("name", "=", str(code).upper())], limit=1)

    def pricelist(self, partner, currency):
        """The customer's pricelist when it is in ``currency``, else one of the company's."""
        own = partner.property_product_pricelist
        if own and own.currency_id == currency:
            return own
        return self.env["product.pricelist"].search(
            [
                ("currency_id", "=", currency.id),
                ("company_id", "in", [self.company.id, False]),
            ],
            order="company_id, sequence, id",
            limit=1,
        )

    def line_values(self, lines):
        """``(order line values, lines whose product was not found)``."""
        products = self._products(line.reference for line in lines)
        fallback = self.backend.order_fallback_product_id
        values, missing = [], []
        for line in lines:
            product = products.get(line.reference)
            if not product and self.backend.order_missing_product == "fallback" and fallback:
                product = fallback
            if not product:
                missing.append(line)
                continue
            values.append(
                {
                    "product_id": product.id,
                    "name": line.name or product.display_name,
                    "product_uom_qty": line.quantity,
                    "price_unit": line.unit_price,
                    "discount": line.discount or 0.0,
                }
            )
        return values, missing

    def _products(self, references):
        """``{reference: product}`` by the backend's key, with the integration user's rights."""
        references = sorted({ref for ref in references if ref})
        if not references:
            return {}
        key = self.backend.order_product_key or "default_code"
        found = self.env["product.product"].search_fetch(
            [
                (key, "in", references),
                ("sale_ok", "=", True),
                ("company_id", "in", [self.company.id, False]),
            ],
            [key],
        )
        return {product[key]: product for product in found}

    def missing_text(self, missing):
        return self.env._(
            "No sale order: no product in Odoo for %(lines)s. Create the products (or set a "
            "fallback product on the backend), then process the event again.",
            lines=", ".join(
                f"{line.reference or '?'} ({line.name or ''})".strip() for line in missing
            ),
        )
