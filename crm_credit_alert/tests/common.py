# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.crm_accounting_bridge.tests.common import CrmAccountingBridgeCommon

OVERRIDE_GROUP = "crm_credit_alert.group_crm_credit_alert_override"


class CrmCreditAlertCommon(CrmAccountingBridgeCommon):
    """Opportunities and orders of customers with invoices relative to today,
    under the default credit policy of the company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "credit_alert_grace_days": 0,
                "credit_alert_min_overdue_amount": 0.0,
                "credit_alert_block_days": 60,
                "credit_alert_block_on_limit": True,
                "credit_alert_warn_percent": 80.0,
            }
        )
        company_values = {
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
        }
        cls.overrider = new_test_user(
            cls.env,
            login="credit_overrider",
            name="Olivia Override",
            groups=f"sales_team.group_sale_salesman,{OVERRIDE_GROUP}",
            **company_values,
        )
        cls.accountant = new_test_user(
            cls.env,
            login="credit_accountant",
            groups="account.group_account_invoice",
            **company_values,
        )
        cls.won_stage = cls.env["crm.stage"].create(
            {"name": "Credit won", "is_won": True, "sequence": 90}
        )

    @classmethod
    def _create_customer(cls, name, **values):
        return cls.env["res.partner"].create({"name": name, "is_company": True, **values})

    @classmethod
    def _create_opportunity(cls, partner, user=None, company=None, **values):
        return (
            cls.env["crm.lead"]
            .with_company(company or cls.company)
            .create(
                {
                    "name": f"Deal with {partner.name if partner else 'nobody'}",
                    "type": "opportunity",
                    "partner_id": partner.id if partner else False,
                    "user_id": (user or cls.salesman).id,
                    "company_id": (company or cls.company).id,
                    **values,
                }
            )
        )

    @classmethod
    def _create_order(cls, partner, amount, user=None, lead=None, confirm=False):
        """A quotation of one untaxed line of ``amount``."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": (user or cls.salesman).id,
                "opportunity_id": lead.id if lead else False,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product_a.id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if confirm:
            order.sudo().action_confirm()
        return order

    @classmethod
    def _use_credit_limit(cls, *partners, limit=1000.0, company=None):
        company = company or cls.company
        company.account_use_credit_limit = True
        for partner in partners:
            partner.with_company(company).credit_limit = limit

    def _alert(self, record, user=None):
        """``(level, message)`` read freshly, as a new request would."""
        self.env.invalidate_all()
        if user:
            record = record.with_user(user)
        return record.credit_alert_level, record.credit_alert_message
