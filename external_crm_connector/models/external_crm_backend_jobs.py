# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The queue jobs of a backend's inbox: one channel per backend, one job waiting."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..services.queue_jobs import job_waiting
from .external_crm_protected_mixin import connector_edit

_logger = logging.getLogger(__name__)

# seconds after which a job comes back for events left to another job
HELD_EVENTS_DELAY = 2


class ExternalCrmBackendJobs(models.AbstractModel):
    _name = "external.crm.backend.jobs"
    _description = "External CRM Backend: Inbox Jobs"

    job_capacity = fields.Integer(
        string="Parallel Jobs",
        compute="_compute_job_capacity",
        inverse="_inverse_job_capacity",
        help="Jobs of this backend (inbox batches, import and pull pages, write-backs) that "
        "run at the same time: the capacity of its queue channel, 1 by default. The "
        "events of one record are applied in order whatever the capacity. Set by "
        "administrators; queue_job's runner reads it from the database, unless the "
        "server configures its channels (then use the channel line).",
    )
    job_channel_line = fields.Char(
        string="Channel Line",
        compute="_compute_job_capacity",
        help="The line of this backend's channel in the channels of queue_job's runner "
        "([queue_job] channels, or ODOO_QUEUE_JOB_CHANNELS), for servers that configure "
        "them: the runner then ignores the capacity stored in the database.",
    )

    @api.depends("channel_id")
    def _compute_job_capacity(self):
        for backend in self:
            # sudo: the capacity of the backend's own channel, shown to its managers
            channel = backend.channel_id.sudo()
            backend.job_capacity = channel.capacity if channel else 1
            backend.job_channel_line = (
                f"{channel.complete_name}:{channel.capacity}" if channel else False
            )

    def _inverse_job_capacity(self):
        if not self.env.is_system():
            raise AccessError(
                self.env._("Only administrators set how many jobs of a backend run at once.")
            )
        for backend in self:
            if backend.job_capacity < 1:
                raise ValidationError(self.env._("A backend runs at least one job at a time."))
            backend._ensure_channel()
            # sudo: job channels belong to the queue manager; the administrator
            # sets the capacity of the backend's own channel (queue_job tells
            # its runner to reload the channels)
            backend.channel_id.sudo().capacity = backend.job_capacity

    def _ensure_channel(self):
        """One queue channel per backend, under ``root.external_crm``."""
        parent = self.env.ref("external_crm_connector.channel_external_crm")
        # the channel is the connector's routing (protected from hand edits)
        for backend in connector_edit(self).filtered(lambda b: not b.channel_id):
            # sudo: job channels belong to the queue manager; each backend
            # owns exactly its own channel
            backend.channel_id = (
                self.env["queue.job.channel"]
                .sudo()
                .create({"name": f"backend_{backend.id}", "parent_id": parent.id, "capacity": 1})
            )

    def _channel_name(self):
        self.ensure_one()
        # sudo: the channel name is technical routing, not business data
        return self.sudo().channel_id.complete_name or "root.external_crm"

    def _inbox_identity_key(self, retry=False, held=False):
        suffix = ":held" if held else (":retry" if retry else "")
        return f"external_crm_inbox:{self.id}{suffix}"

    def _schedule_inbox_processing(self, eta=None, force=False, held=False, recheck=True):
        """Make sure a queue job will process the inbox of these backends.

        One job at a time waits per backend: a webhook that finds one waiting
        only adds its events, which that job will take. The check reads the
        queue_job partial index on ``identity_key`` first, a single indexed
        query on the webhook's hot path. A job at ``eta`` (retries) and a job
        for ``held`` events have keys of their own, so that a retry due in
        minutes never delays the others.

        The job found waiting may start, and take the snapshot in which it
        reads the inbox, before this transaction commits: it would not see
        the events stored here. So the check is made again after the commit
        (``recheck``): a job still waiting then starts after it, and sees them.
        """
        for backend in self:
            identity = backend._inbox_identity_key(retry=bool(eta), held=held)
            if not force and self.env.execute_query(SQL("SELECT %s", job_waiting(identity)))[0][0]:
                if recheck and not eta and not held:
                    backend._recheck_inbox_after_commit()
                continue
            backend._as_integration_user().with_delay(
                channel=backend._channel_name(),
                identity_key=identity,
                eta=eta,
                description=self.env._("Process the inbox of %(name)s", name=backend.name),
            )._process_inbox()

    def _recheck_inbox_after_commit(self):
        """After the commit, in a new transaction: a job for the inbox, if none waits."""
        backend_ids = self.env.cr.postcommit.data.setdefault("external_crm_inbox_recheck", set())
        if not backend_ids:
            registry, uid, context = self.env.registry, self.env.uid, self.env.context

            @self.env.cr.postcommit.add
            def recheck():
                with registry.cursor() as cr:
                    backends = api.Environment(cr, uid, context)[self._name].browse(backend_ids)
                    backends.exists()._schedule_inbox_processing(recheck=False)

        backend_ids.update(self.ids)

    def _process_inbox(self):
        """Job: process the next batch of received events of this backend.

        Events are taken in arrival order; the events of one record are
        applied in order (see ``_inbox_batch``). When more events wait, the
        next job is queued before this one starts working, so that a channel
        with a capacity above 1 processes several batches at once; when events
        were left to the job applying the older events of their records, a
        job comes back for them a moment later.
        """
        self.ensure_one()
        if not self.active:
            return "backend archived"
        events, more = self.env["external.crm.event"]._inbox_batch(self)
        if more == "full":
            self._schedule_inbox_processing(force=True)
        elif more == "held":
            # the job applying their older events runs now, and, not full,
            # queues no other: come back once it is done
            self._schedule_inbox_processing(
                eta=fields.Datetime.now() + timedelta(seconds=HELD_EVENTS_DELAY), held=True
            )
        if not events:
            return "nothing to process"
        events._process()
        return f"{len(events)} events processed"

    @api.model
    def _cron_sweep_inbox(self):
        """Scheduled safety net: no received event waits without a job.

        A job that is cancelled by hand, or a delivery stored while the last
        job was starting, would otherwise leave events in the inbox.
        """
        waiting = self.env["external.crm.event"]._backends_waiting()
        backends = self.search([("id", "in", waiting.ids)])
        backends._schedule_inbox_processing()
        _logger.debug("Inbox sweep scheduled %s backends", len(backends))
