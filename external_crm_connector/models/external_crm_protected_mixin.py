# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError

# Passed in the context key ``external_crm_edit`` by the connector's own
# code (jobs, processing, the actions of the views) to write what it
# protects. A Python object: it cannot travel over RPC, where a context is
# JSON (the idea of queue_job's ``EDIT_SENTINEL``).
EDIT_SENTINEL = object()


def connector_edit(records):
    """``records`` as the connector's own code writes them.

    Only for code that decides itself what it writes (values read from a
    provider, the outcome of processing): never around values that came
    from a user's request. Records returned to a caller must not keep it.
    """
    return records.with_context(external_crm_edit=EDIT_SENTINEL)


def is_connector_edit(env):
    """True for the connector's own code, and for the superuser."""
    return env.su or env.context.get("external_crm_edit") is EDIT_SENTINEL


class ExternalCrmProtectedMixin(models.AbstractModel):
    """Records that hold what a provider sent and what the connector derived.

    Nobody changes them over RPC, not even an administrator or the
    integration user: processing applies them with the integration user's
    rights, so a rewritten payload, binding or conflict would be written
    into customers and opportunities. People act through the connector's
    actions (Process Again, Take Incoming, Keep Odoo, Link, imports and
    pulls); only ``_editable_fields`` can be changed by hand.
    """

    _name = "external.crm.protected.mixin"
    _description = "External CRM: Records Written by the Connector"

    # fields a person may change by hand (the form lets them); every other
    # field is written by the connector only
    _editable_fields = ()

    def _check_connector_edit(self, names, creating=False):
        if is_connector_edit(self.env):
            return
        refused = sorted(set(names) - set(self._editable_fields))
        if creating or refused:
            # a call of its own: the translation export reads no nested call
            what = ", ".join(refused) or self.env._("creation")
            raise AccessError(
                self.env._(
                    "%(model)s records are written by the connector only (%(fields)s): "
                    "use its actions, such as Process Again, Take Incoming, Keep Odoo, "
                    "Link to Customer, Start Import or Pull Changes Now.",
                    model=self._description,
                    fields=what,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_connector_edit(vals, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._check_connector_edit(vals)
        return super().write(vals)
