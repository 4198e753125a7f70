# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .kept_figures import KeptFiguresChecked

# The readiness items a company without a chart of accounts misses, in their order.
BARE_MISSING = [
    "chart_of_accounts",
    "receivable_account",
    "income_account",
    "sale_journal",
    "sale_tax",
    "fiscal_country",
]


class CrmAccountingBridgeCommon(KeptFiguresChecked, AccountTestInvoicingCommon):
    """Customers, invoices and payments with dates relative to today."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.currency = cls.env.company.currency_id
        cls.customer = cls.env["res.partner"].create(
            {"name": "Bridge Customer", "is_company": True}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Bridge Contact", "parent_id": cls.customer.id}
        )
        cls.salesman = new_test_user(
            cls.env,
            login="bridge_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
        )
        cls.sales_manager = new_test_user(
            cls.env,
            login="bridge_sales_manager",
            groups="sales_team.group_sale_manager",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
        )

    @classmethod
    def _day(cls, offset):
        """Today shifted by ``offset`` days (negative: in the past)."""
        return cls.today + timedelta(days=offset)

    @classmethod
    def _create_invoice(
        cls,
        partner,
        amount,
        invoice_offset=-10,
        due_offset=20,
        move_type="out_invoice",
        currency=None,
        company=None,
        post=True,
    ):
        """An invoice of one untaxed line of ``amount``, dated relative to today."""
        company = company or cls.env.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": cls._day(invoice_offset),
                    "date": cls._day(invoice_offset),
                    "invoice_date_due": cls._day(due_offset),
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _register_payment(cls, invoices, amount, offset=0, currency=None):
        """Register a payment of ``amount`` on ``invoices`` dated relative to today."""
        values = {"amount": amount, "payment_date": cls._day(offset)}
        if currency:
            values["currency_id"] = currency.id
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(values)
        )
        return wizard._create_payments()

    @classmethod
    def _create_unallocated_payment(cls, partner, amount, offset=0, company=None):
        """A posted customer payment not matched with any invoice."""
        company = company or cls.env.company
        payment = (
            cls.env["account.payment"]
            .with_company(company)
            .create(
                {
                    "amount": amount,
                    "date": cls._day(offset),
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": partner.id,
                }
            )
        )
        payment.action_post()
        return payment

    @classmethod
    def _create_receivable_entry(cls, partner, amount, offset=-40, due_offset=None):
        """A posted miscellaneous entry owing ``amount`` on the receivable
        account, like an opening balance: no partner on the entry itself,
        only on its receivable line, whose due date is its date unless
        ``due_offset`` is given."""
        company = cls.env.company
        receivable_line = {
            "name": "Opening balance",
            "account_id": cls.company_data["default_account_receivable"].id,
            "partner_id": partner.id,
            "debit": amount,
        }
        if due_offset is not None:
            receivable_line["date_maturity"] = cls._day(due_offset)
        move = cls.env["account.move"].create(
            {
                "move_type": "entry",
                "date": cls._day(offset),
                "line_ids": [
                    Command.create(receivable_line),
                    Command.create(
                        {
                            "name": "Opening balance",
                            "account_id": company.get_unaffected_earnings_account().id,
                            "credit": amount,
                        }
                    ),
                ],
            }
        )
        move.action_post()
        return move

    @classmethod
    def _reverse_payment(cls, payment, offset=0):
        """Reverse the journal entry of ``payment`` by hand, as for a bounced
        cheque (the Reverse button of the entry), dated relative to today."""
        return payment.move_id._reverse_moves(
            [{"date": cls._day(offset), "ref": "Bounced cheque"}], cancel=True
        )

    def _snapshot(self, partner, *field_names):
        """Read snapshot fields freshly, as a new request would."""
        self.env.invalidate_all()
        return {name: partner[name] for name in field_names}

    def _clone_invoice(self, invoice, copies, batch):
        """Insert ``copies`` posted copies of ``invoice`` with plain SQL.

        Copies keep balanced lines and their residuals, like real invoices;
        the ORM would take many minutes to post this many. ``batch`` keeps
        the copies' names unique.
        """
        self.env.flush_all()
        move_columns = self._column_names("account_move", ("id", "name"))
        line_columns = self._column_names("account_move_line", ("id", "move_id"))
        # two statements, so that statistics can be refreshed in between
        self.env.cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE bulk_move ON COMMIT DROP AS
                  WITH new_move AS (
                    INSERT INTO account_move (name, %(move_columns)s)
                    SELECT 'BULK/' || %(batch)s || '/' || copy_number, %(move_columns)s
                      FROM account_move, generate_series(1, %(copies)s) copy_number
                     WHERE id = %(move_id)s
                 RETURNING id
                ) SELECT id FROM new_move
                """,
                move_columns=SQL(", ").join(map(SQL.identifier, move_columns)),
                batch=batch,
                copies=copies,
                move_id=invoice.id,
            )
        )
        # the foreign key checks of the lines look moves up by id: with stale
        # statistics (a few dozen moves) PostgreSQL would scan the table for
        # each of them
        self.env.cr.execute("ANALYZE account_move")
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO account_move_line (move_id, %(line_columns)s)
                SELECT bulk_move.id, %(source_line_columns)s
                  FROM bulk_move, account_move_line line
                 WHERE line.move_id = %(move_id)s;
                DROP TABLE bulk_move
                """,
                line_columns=SQL(", ").join(map(SQL.identifier, line_columns)),
                source_line_columns=SQL(", ").join(
                    SQL.identifier("line", name) for name in line_columns
                ),
                move_id=invoice.id,
            )
        )
        self.env.invalidate_all()

    def _column_names(self, table, excluded):
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            (table,),
        )
        return [name for (name,) in self.env.cr.fetchall() if name not in excluded]
