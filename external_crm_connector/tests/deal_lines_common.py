# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the tests of each provider's deal lines share."""

from odoo.addons.external_crm_connector.adapters.items import DealLine
from odoo.addons.external_crm_connector.adapters.provider import get_provider
from odoo.addons.external_crm_connector.exceptions import (
    ExternalCrmError,
    ExternalCrmTransientError,
)


def sample_lines(first_id, second_id, tax_code=None):
    """The two lines of the providers' samples (../shared/samples), with their ids."""
    return [
        DealLine("CAR-6060", "Palette de carreaux 60x60", 3.0, 1200.0, 10.0, tax_code, first_id),
        DealLine("LIV-CASA", "Livraison Casablanca", 1.0, 450.0, 0.0, None, second_id),
    ]


class DealLinesCase:
    """``read_deal_lines`` of ``lines_backend`` (set by the test class), as its integration user."""

    lines_backend = None

    def _read(self, deal_ids):
        backend = self.lines_backend.with_user(self.integration_user)
        return get_provider(backend).read_deal_lines(deal_ids)

    def _check_rate_limits(self, limited, failing, deal, other, status=429):
        """A short wait at ``limited`` is waited for; server errors at ``failing`` until
        the client gives up, and a long wait, leave the deals for later."""
        self.fake.fail(limited, status, retry_after=0.01)
        self.assertEqual(len(self._read([deal])[deal][1]), 2)
        self.fake.fail(failing, 500, 500, 500, 500)
        found = self._read([deal, other])
        self.assertIsInstance(found[deal], ExternalCrmTransientError)
        self.assertIsInstance(found[other], ExternalCrmTransientError)
        self.fake.fail(limited, status, retry_after=3600)
        found = self._read([other])
        self.assertEqual(found[other].retry_after, 3600)
        self.assertNotIsInstance(found[other], ExternalCrmError)
