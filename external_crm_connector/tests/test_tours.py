# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .common import ExternalCrmCase


@tagged("post_install", "-at_install")
class TestConflictReviewTour(ExternalCrmCase, HttpCase):
    """A connector manager resolves a conflict in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()

    def test_conflict_resolved_in_the_review_queue(self):
        # bound three hours ago with Rabat; Odoo changed it to Meknes since;
        # the CRM now sends Fes without saying when it changed: nobody can
        # tell which is newer, a person decides
        now = self.env.cr.now()
        created = self._item("company", "T-1", {"name": "Tour Co", "city": "Rabat"})
        created["updated_at"] = (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._deliver(self.generic, [created])
        binding = self._binding(self.generic, "company", "T-1")
        binding.sync_date = now - timedelta(hours=2)
        partner = binding.partner_id
        partner.city = "Meknes"
        update = self._item("company", "T-1", {"name": "Tour Co", "city": "Fes"})
        update.pop("updated_at")
        event = self._deliver(self.generic, [update])
        self.assertEqual(event.conflict_ids.state, "open")

        self.start_tour(
            "/odoo/action-external_crm_connector.external_crm_conflict_action",
            "external_crm_conflict_review",
            login=self.manager.login,
        )
        self.env.invalidate_all()
        self.assertEqual(partner.city, "Fes")
        conflict = event.conflict_ids
        self.assertEqual(
            (conflict.state, conflict.resolution, conflict.resolved_by_id),
            ("resolved", "incoming", self.manager),
        )
        self.assertEqual(binding.last_values["city"], "Fes")
        self.assertEqual(event.state, "done", "decided: no longer waiting in the inbox")
