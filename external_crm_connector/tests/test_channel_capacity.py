# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How many jobs of one backend run at once: its channel's capacity.

queue_job's runner is asked here what it would start, with the channel
manager it builds from this database (as it does when the server sets no
``channels``) or from a server-wide ``channels`` line: one job of a backend
at a time by default, two when an administrator sets two. That the events
of one record stay in order with two jobs at once is checked by
test_concurrency.py and by tools/faults/channel_capacity.py, with a real
runner.
"""

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.queue_job.jobrunner.channels import ChannelManager
from odoo.addons.queue_job.jobrunner.runner import Database, QueueJobRunner

from .common import ExternalCrmCase


@tagged("post_install", "-at_install")
class TestChannelCapacity(ExternalCrmCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.admin = new_test_user(
            cls.env,
            login="ecrm_capacity_admin",
            groups="base.group_system,external_crm_connector.group_external_crm_manager",
        )
        cls.backend = cls._create_backend(
            name="Capacity", provider="generic", webhook_secret="capacity-secret"
        )

    def _database_channels(self):
        """The channel manager the runner builds from this database's channels."""
        db = Database.__new__(Database)
        db.db_name = self.env.cr.dbname
        # the test's connection: the runner's query sees this test's channels
        db.conn = self.env.cr._cnx
        db.has_channel_config_columns = True
        self.env.flush_all()
        return QueueJobRunner(channel_config_string="", max_capacity=8)._build_channel_manager(db)

    def _started(self, manager, count=3):
        """How many of ``count`` waiting jobs of the backend the runner starts at once."""
        now = fields.Datetime.now().timestamp()
        for index in range(count):
            manager.notify(
                self.env.cr.dbname,
                self.backend._channel_name(),
                f"capacity-{index}",
                index + 1,
                now,
                10,
                None,
                "pending",
            )
        return len(list(manager.get_jobs_to_run(now)))

    def test_one_job_of_a_backend_at_a_time_by_default(self):
        self.assertEqual(self.backend.job_capacity, 1)
        self.assertEqual(self._started(self._database_channels()), 1)

    def test_an_administrator_lets_two_jobs_run_at_once(self):
        self.backend.with_user(self.admin).job_capacity = 2
        self.assertEqual(self.backend.channel_id.capacity, 2)
        self.assertEqual(self._started(self._database_channels()), 2)
        self.assertEqual(
            self.backend.job_channel_line, f"root.external_crm.backend_{self.backend.id}:2"
        )

    def test_managers_see_the_capacity_and_cannot_change_it(self):
        backend = self.backend.with_user(self.manager)
        self.assertEqual(backend.job_capacity, 1)
        with self.assertRaises(AccessError):
            backend.job_capacity = 4
        self.assertEqual(self.backend.channel_id.capacity, 1)

    def test_at_least_one_job(self):
        with self.assertRaises(ValidationError):
            self.backend.with_user(self.admin).job_capacity = 0

    def test_server_wide_channels_as_documented(self):
        """readme/CONFIGURE.md: with server-wide channels, the lines it gives."""
        manager = ChannelManager()
        manager.simple_configure("root:8,root.external_crm:4:capacity_default=1")
        self.assertEqual(self._started(manager), 1, "one at a time per backend")
        self.backend.with_user(self.admin).job_capacity = 2
        manager = ChannelManager()
        manager.simple_configure(
            f"root:8,root.external_crm:4:capacity_default=1,{self.backend.job_channel_line}"
        )
        self.assertEqual(self._started(manager), 2)
        # without them, a backend's channel has no limit of its own
        manager = ChannelManager()
        manager.simple_configure("root:8")
        self.assertEqual(self._started(manager), 3)
