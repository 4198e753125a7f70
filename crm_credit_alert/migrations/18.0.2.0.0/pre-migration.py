# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tools import SQL


def migrate(cr, version):
    """Give the overrides of earlier versions their expiry.

    An override now holds for a limited time (the company's validity, 7 days
    by default) and for an order no larger than it was given for. Earlier
    overrides had neither: they get the default validity from the moment
    they were given, filled before the module sets the column NOT NULL.
    Unused overrides of an order whose amount was not recorded (given for
    overdue invoices, when only the limit's blocks recorded it) could never
    be matched to an amount: they expire at once, and the next confirmation
    asks for a new override.
    """
    if not version:
        return
    # the column does not exist yet: the ORM adds it after this script
    cr.execute(
        SQL("ALTER TABLE crm_credit_override ADD COLUMN IF NOT EXISTS expiry_date timestamp")
    )
    cr.execute(
        SQL(
            """
            UPDATE crm_credit_override
               SET expiry_date = CASE
                       WHEN NOT COALESCE(used, FALSE)
                            AND operation = %(confirmation)s
                            AND COALESCE(order_amount, 0) = 0
                       THEN date
                       ELSE date + make_interval(days => %(days)s)
                   END
             WHERE expiry_date IS NULL
            """,
            confirmation="confirmation",
            days=7,
        )
    )
