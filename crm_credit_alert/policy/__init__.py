# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The credit policy in plain Python: no model, no database.

The models gather the figures (the bridge's open receivable, Odoo's credit
limit and sales to invoice) and the company's policy, and these functions
decide: the level and the message of a customer, the values a policy may
take, whether a customer's figures got worse since an override. They are
tested without a database (``tests/test_credit_assessment.py``).
"""

from .assessment import (
    LEVELS,
    SEVERITY,
    CreditPolicy,
    alert_message,
    assess,
    badge_text,
    compare_amounts,
    figures_worse,
)
from .figure_formatter import FigureFormatter
from .limits import (
    MAX_OVERRIDE_DAYS,
    MAX_POLICY_DAYS,
    POLICY_LIMIT_FIELDS,
    POLICY_LIMITS,
    PolicyLimit,
    first_violation,
    limit_message,
)
