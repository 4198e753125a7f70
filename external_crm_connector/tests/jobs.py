# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""queue_job's own test helpers, on every revision of Odoo 18.0.

queue_job 18.0.4 registers its method patcher in
``odoo.tests.common.SETATTR_SOURCES``, the list of files allowed to patch
models during tests, which only later revisions of Odoo 18.0 have; on an
earlier one importing its helpers fails. There, nothing checks such
patches: an empty list is all they need.
"""

from odoo.tests import common

if not hasattr(common, "SETATTR_SOURCES"):
    common.SETATTR_SOURCES = {}

from odoo.addons.queue_job.tests.common import trap_jobs

__all__ = ["trap_jobs"]
