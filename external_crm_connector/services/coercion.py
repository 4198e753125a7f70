# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The comparable form of values, and the lookups it takes.

Incoming values are compared with Odoo's in one form: ids for relations,
ISO text for dates and times, floats for amounts, ``LOST`` for a lost deal's
stage. ``Coercer`` fits a value to an Odoo field (a name or an id becomes
the id of a record the integration user may read, a country code its
country) and shows a value to a person; it caches its lookups for a batch.
``current_value`` reads a record's field in the same form, ``apply_stage``
writes a deal's stage back.
"""

from odoo import fields

from ..adapters import transforms
from .policy import LOST


def kind_model(env, kind):
    """The Odoo model of an external kind."""
    return env["crm.lead" if kind == "deal" else "res.partner"]


def current_value(record, fname):
    """The comparable form of a record's field (as ``Coercer.fit`` produces)."""
    if fname == "stage_id" and record._name == "crm.lead":
        return LOST if not record.active else record.stage_id.id
    value = record[fname]
    ftype = record._fields[fname].type
    if ftype == "many2one":
        return value.id or False
    if ftype == "date":
        return fields.Date.to_string(value) if value else False
    if ftype == "datetime":
        return fields.Datetime.to_string(value) if value else False
    if ftype in ("float", "monetary"):
        return float(value or 0.0)
    return value if value not in (None, "") else False


def apply_stage(leads, stage, lost_reason_id):
    """Move deals' opportunities to ``stage``: lost, or a stage (reopened if lost).

    A won stage is written as any other: writing it is what makes the
    accounting bridge apply the negotiated terms. ``leads`` may be many
    opportunities going to the same stage: one write for all.
    """
    if stage == LOST:
        leads.action_set_lost(lost_reason_id=lost_reason_id or False)
        return
    leads.filtered(lambda lead: not lead.active).action_unarchive()
    leads.write({"stage_id": stage})


class Coercer:
    """Fits values to Odoo fields with the integration user's rights, for one batch.

    Every lookup is cached for the batch: a name, a country or a record's
    readability is looked up once, however many events carry it.
    """

    def __init__(self, env, lost_reason_id=False):
        self.env = env
        # the backend's default, for a lost reason whose name is unknown
        self.lost_reason_id = lost_reason_id
        self.countries = {}
        self.names = {}
        self.readable = {}
        self.owned = {}
        self.labels = {}
        self.selections = {}

    def model(self, kind):
        """The Odoo model of an external kind."""
        return kind_model(self.env, kind)

    def fit(self, odoo_field, value):
        """The comparable form of ``value`` for ``odoo_field``; ``ValueError`` if none."""
        ftype = odoo_field.type
        if transforms.is_empty(value):
            return 0.0 if ftype in ("float", "monetary") else (0 if ftype == "integer" else False)
        if ftype in ("char", "text"):
            return str(value).strip()
        if ftype in ("float", "monetary"):
            return transforms.parse_number(value)
        if ftype == "integer":
            return int(transforms.parse_number(value))
        if ftype == "date":
            return fields.Date.to_string(transforms.parse_date(value))
        if ftype == "datetime":
            return fields.Datetime.to_string(transforms.parse_datetime(value))
        if ftype == "boolean":
            return str(value).strip().lower() in ("1", "true", "yes", "y", "on")
        if ftype == "selection":
            allowed = self._selection(odoo_field)
            if value not in allowed:
                raise ValueError(
                    self.env._(
                        "%(value)s is not one of %(allowed)s",
                        value=repr(value),
                        allowed=", ".join(map(str, allowed)),
                    )
                )
            return value
        if ftype == "many2one":
            if isinstance(value, int) and not isinstance(value, bool):
                return self.by_id(odoo_field, value)
            return self._by_name(odoo_field, str(value))
        return value

    def _selection(self, odoo_field):
        key = (odoo_field.model_name, odoo_field.name)
        if key not in self.selections:
            # the field's own description: fields_get() would leave out a
            # field reserved to groups, for the same values
            self.selections[key] = dict(odoo_field._description_selection(self.env))
        return self.selections[key]

    def _by_name(self, odoo_field, name):
        """The id of the one record named ``name`` that the integration user may read."""
        key = (odoo_field.comodel_name, name.strip().lower())
        if key not in self.names:
            comodel = self.env[odoo_field.comodel_name]
            found = comodel.search([(comodel._rec_name, "=ilike", name.strip())], limit=2)
            self.names[key] = found.id if len(found) == 1 else None
        if self.names[key] is None:
            if odoo_field.name == "lost_reason_id" and self.lost_reason_id:
                return self.by_id(odoo_field, self.lost_reason_id)
            if odoo_field.name == "lost_reason_id":
                return False
            raise ValueError(
                self.env._(
                    "no single %(model)s is named %(name)s",
                    model=odoo_field.comodel_name,
                    name=repr(name),
                )
            )
        return self.names[key]

    def by_id(self, odoo_field, record_id, batch=()):
        """``record_id`` once a search as the integration user finds it.

        An id that arrived (or a value table's, a binding's) is never
        written as it is: record rules of the target must let the
        integration user read it, else the field is left as it is, with a
        note. ``batch``: other ids of the same model to check in the same
        search.
        """
        comodel = odoo_field.comodel_name
        if (comodel, record_id) not in self.readable:
            ids = [i for i in {record_id, *batch} if (comodel, i) not in self.readable]
            # archived records stay valid targets: only the rights decide
            model = self.env[comodel].with_context(active_test=False)
            found = set(model.search([("id", "in", ids)]).ids)
            self.readable.update({(comodel, i): i in found for i in ids})
        if not self.readable[comodel, record_id]:
            raise ValueError(
                self.env._(
                    "no %(model)s with id %(id)s that the integration user may read",
                    model=comodel,
                    id=record_id,
                )
            )
        return record_id

    def owned_by_accounting(self, model_name, fname):
        """True when accounting owns ``fname`` (``external.crm.field.map`` says which)."""
        if model_name not in self.owned:
            self.owned[model_name] = self.env["external.crm.field.map"]._accounting_owned_fields(
                model_name
            )
        return fname in self.owned[model_name]

    def country(self, code):
        """The id of the country of a code (2 letters) or a name; ``ValueError`` if none."""
        if not code:
            return False
        if code not in self.countries:
            countries = self.env["res.country"]
            country = countries.browse()
            if len(code) == 2:  # the code column holds 2 letters: longer ones get cut
                country = countries.search([("code", "=", code.upper())], limit=1)
            if not country:
                country = countries.search([("name", "=ilike", code)], limit=1)
            self.countries[code] = country.id or None
        if self.countries[code] is None:
            raise ValueError(self.env._("%(code)s is not a known country", code=repr(code)))
        return self.countries[code]

    def label(self, model, fname):
        """The field's label, in the user's language."""
        key = (model._name, fname)
        if key not in self.labels:
            self.labels[key] = model._fields[fname].get_description(self.env)["string"]
        return self.labels[key]

    def show(self, model_name, fname, value):
        """A comparable value as a person reads it."""
        if value is False or value is None or value == "":
            return self.env._("(empty)")
        if value == LOST and fname == "stage_id":
            return self.env._("Lost")
        odoo_field = self.env[model_name]._fields[fname]
        if odoo_field.type == "many2one" and isinstance(value, int):
            # sudo: only the record's name, for a note; Odoo's current value
            # may point to a record the integration user may not read
            return self.env[odoo_field.comodel_name].browse(value).sudo().display_name
        return str(value)
