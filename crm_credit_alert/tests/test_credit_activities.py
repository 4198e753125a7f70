# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import format_amount, html2plaintext

from .common import CrmCreditAlertCommon


@tagged("post_install", "-at_install")
class TestCreditActivities(CrmCreditAlertCommon):
    """The daily scheduled action and the salespeople's To Do activities."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        cls.blocked = cls._create_customer("Blocked")
        cls.blocked_invoice = cls._create_invoice(cls.blocked, 100, -100, -70)
        cls.warned = cls._create_customer("Warned")
        cls.warned_invoice = cls._create_invoice(cls.warned, 100, -30, -10)
        cls.fine = cls._create_customer("Fine")
        cls.lead_blocked = cls._create_opportunity(cls.blocked)
        cls.lead_warned = cls._create_opportunity(cls.warned)
        cls.lead_fine = cls._create_opportunity(cls.fine)
        cls.lead_unassigned = cls._create_opportunity(cls.blocked, user=cls.env["res.users"])
        cls.lead_unassigned.user_id = False
        cls.lead_won = cls._create_opportunity(cls.blocked, stage_id=cls.won_stage.id)
        cls.lead_is_lead = cls._create_opportunity(cls.blocked, type="lead")
        cls.leads = (
            cls.lead_blocked
            | cls.lead_warned
            | cls.lead_fine
            | cls.lead_unassigned
            | cls.lead_won
            | cls.lead_is_lead
        )
        cls.cron = cls.env.ref("crm_credit_alert.ir_cron_credit_alert_activities")

    def _run_cron(self):
        self.env.invalidate_all()
        self.cron.sudo().method_direct_trigger()  # sudo: as the scheduler runs it
        self.env.invalidate_all()

    def _activities(self, leads=None):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", (leads or self.leads).ids),
                ("activity_type_id", "=", self.todo.id),
            ]
        )

    def test_one_activity_per_alerted_opportunity(self):
        self._run_cron()
        activities = self._activities()
        self.assertEqual(
            sorted(activities.mapped("res_id")),
            sorted((self.lead_blocked | self.lead_warned).ids),
        )
        self.assertEqual(activities.user_id, self.salesman)
        blocked_activity = self._activities(self.lead_blocked)
        self.assertEqual(blocked_activity.summary, "Credit blocked: Blocked")
        # the scheduled action counts days in its own user's time zone
        self.assertIn("1 overdue invoice", blocked_activity.note)
        self.assertIn("days overdue", blocked_activity.note)
        self.assertEqual(self._activities(self.lead_warned).summary, "Credit warning: Warned")
        self.assertEqual(self.lead_blocked.credit_alert_notified_level, "block")
        self.assertEqual(self.lead_blocked.credit_alert_activity_id, blocked_activity)
        self.assertFalse(self.lead_fine.credit_alert_notified_level)

    def test_running_twice_gives_no_duplicate(self):
        self._run_cron()
        first = self._activities()
        self._run_cron()
        self.assertEqual(self._activities(), first)
        self.assertEqual(len(first), 2)

    def test_payment_marks_the_activity_done(self):
        self._run_cron()
        activity = self._activities(self.lead_blocked)
        self._register_payment(self.blocked_invoice, 100)
        self._run_cron()
        self.assertFalse(activity.exists())
        self.assertFalse(self._activities(self.lead_blocked))
        self.assertFalse(self.lead_blocked.credit_alert_notified_level)
        self.assertFalse(self.lead_blocked.credit_alert_activity_id)
        done = self.lead_blocked.message_ids.filtered(
            lambda message: message.mail_activity_type_id == self.todo
        )
        self.assertEqual(len(done), 1)
        self.assertIn("The credit alert cleared.", done.body)
        # the warned customer's activity is untouched
        self.assertEqual(len(self._activities(self.lead_warned)), 1)

    def test_escalation_updates_the_same_activity(self):
        self._run_cron()
        activity = self._activities(self.lead_warned)
        self.company.credit_alert_block_days = 10
        self._run_cron()
        self.assertEqual(self._activities(self.lead_warned), activity)
        self.assertEqual(activity.summary, "Credit blocked: Warned")
        self.assertEqual(self.lead_warned.credit_alert_notified_level, "block")

    def test_no_new_activity_while_the_state_persists(self):
        self._run_cron()
        self._activities(self.lead_blocked).action_feedback(feedback="Called the customer")
        self._run_cron()
        self.assertFalse(self._activities(self.lead_blocked))
        # a new move (warning to block) notifies again
        self._activities(self.lead_warned).action_feedback(feedback="Called the customer")
        self.company.credit_alert_block_days = 10
        self._run_cron()
        self.assertEqual(len(self._activities(self.lead_warned)), 1)

    def test_winning_the_opportunity_closes_the_activity(self):
        self._run_cron()
        self.lead_warned.stage_id = self.won_stage
        self._run_cron()
        self.assertFalse(self._activities(self.lead_warned))
        self.assertFalse(self.lead_warned.credit_alert_notified_level)

    def test_lost_opportunity_is_cleared(self):
        self._run_cron()
        self.lead_warned.action_set_lost()
        self._run_cron()
        self.assertFalse(
            self.lead_warned.with_context(active_test=False).credit_alert_notified_level
        )

    def test_new_salesperson_gets_the_activity(self):
        self._run_cron()
        activity = self._activities(self.lead_blocked)
        self.assertEqual(activity.user_id, self.salesman)
        # the opportunity changes hands while its customer stays blocked
        self.lead_blocked.with_user(self.salesman).user_id = self.overrider
        self._run_cron()
        activity = self._activities(self.lead_blocked)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.overrider)
        self.assertEqual(self.lead_blocked.credit_alert_activity_id, activity)
        # an activity handed to someone else stays with them
        activity.user_id = self.sales_manager
        self.lead_blocked.user_id = self.salesman
        self._run_cron()
        self.assertEqual(self._activities(self.lead_blocked).user_id, self.sales_manager)

    def test_activity_in_the_salespersons_language(self):
        """The scheduled action runs in its own user's language; before, the
        salesperson's To Do gave the figures in that language, not theirs."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.salesman.lang = "fr_FR"
        self._run_cron()
        note = self._activities(self.lead_blocked).note
        amount = format_amount(self.env(context={"lang": "fr_FR"}), 100.0, self.currency)
        self.assertNotEqual(amount, format_amount(self.env, 100.0, self.currency))
        self.assertIn(amount, html2plaintext(note))

    def test_activity_due_today_in_the_salespersons_time_zone(self):
        """The scheduled action runs in UTC; before, late in the UTC day a
        salesperson east of it got a To Do already due yesterday."""
        self.cron.user_id.tz = "UTC"
        self.salesman.tz = "Asia/Tokyo"
        with freeze_time(f"{self.today} 23:30:00"):
            self._run_cron()
        self.assertEqual(self._activities(self.lead_blocked).date_deadline, self._day(1))
