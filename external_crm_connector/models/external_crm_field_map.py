# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from ..adapters.provider import get_provider

OBJECT_KINDS = [("company", "Company"), ("contact", "Contact"), ("deal", "Deal")]
KIND_MODELS = {"company": "res.partner", "contact": "res.partner", "deal": "crm.lead"}
SUPPORTED_TYPES = (
    "char",
    "text",
    "many2one",
    "float",
    "monetary",
    "integer",
    "date",
    "datetime",
    "boolean",
    "selection",
)
TEXT_TYPES = ("char", "text")
# the field types each transform's result fits (country: a relation to
# countries; reference: to customers); the other transforms fit every type
TRANSFORM_TYPES = {
    "lower_email": TEXT_TYPES,
    "phone_e164": TEXT_TYPES,
    "vat": TEXT_TYPES,
    "date": ("date", "datetime", *TEXT_TYPES),
    "number": ("float", "monetary", "integer", *TEXT_TYPES),
}


# modules whose customer and opportunity fields belong to accounting, with
# every ``account_*``, ``*_account`` and ``l10n_*`` module
ACCOUNTING_MODULES = (
    "account",
    "crm_accounting_bridge",
    "crm_credit_alert",
    "sale_margin_customer",
)
# customer fields accounting sets, whichever module defines them
ACCOUNTING_FIELDS = ("credit_limit", "use_partner_credit_limit", "trust")


def is_accounting_module(name):
    """True for ``account`` and its extensions, localisations and this repository's
    accounting addons (``ACCOUNTING_MODULES``)."""
    return (
        name in ACCOUNTING_MODULES
        or name.startswith(("account_", "l10n_"))
        or name.endswith("_account")
    )


def is_mappable(field):
    """True for a field the connector can write.

    Stored, of a supported type, and not computed by Odoo over what is
    written: a value written to a read-only computed or related field was
    replaced, and the event was done, in silence.
    """
    return (
        field.store
        and field.type in SUPPORTED_TYPES
        and not field.automatic
        and not (field.compute and field.readonly)
    )


def check_parent_access(records, vals, field_name):
    """Refuse to attach ``records`` to a parent (backend, map line) the user cannot change.

    Record rules are checked on the records as they are before a write: a
    manager could otherwise move a record of his company into a backend of
    another company, whose inbox would then apply it there.
    """
    if vals.get(field_name):
        records[field_name].browse(vals[field_name]).check_access("write")


class ExternalCrmFieldMap(models.Model):
    _name = "external.crm.field.map"
    _description = "External CRM Field Map"
    _order = "backend_id, object_kind, sequence, id"
    _check_company_auto = True

    backend_id = fields.Many2one(
        "external.crm.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    object_kind = fields.Selection(OBJECT_KINDS, required=True)
    external_field = fields.Char(
        required=True,
        help="Name of the field in the external CRM. Join several with '+' to "
        "concatenate them with a space (firstname+lastname).",
    )
    model_name = fields.Char(compute="_compute_model_name")
    # a selection, not a many2one to ir.model.fields, which only the
    # access-rights administrators may read
    field_name = fields.Selection(
        selection="_selection_field_name",
        string="Odoo Field",
        required=True,
        help="Field of the customer (companies, contacts) or of the opportunity (deals).",
    )
    field_label = fields.Char(compute="_compute_field_label")
    transform = fields.Selection(
        [
            ("none", "As is"),
            ("trim", "Trim"),
            ("lower_email", "Lower-case e-mail"),
            ("phone_e164", "Phone to E.164"),
            ("country_iso", "Country to ISO code"),
            ("vat", "VAT normalised"),
            ("date", "Date"),
            ("number", "Number"),
            ("value_table", "Value table"),
            ("reference", "External reference"),
        ],
        default="trim",
        required=True,
        help="Value table: selections and deal stages, from the lines below. External "
        "reference: the external id of a company, linked to its bound customer.",
    )
    master = fields.Selection(
        [("external", "External CRM"), ("odoo", "Odoo"), ("newest", "Newest change")],
        default="newest",
        required=True,
        help="External CRM: its value always applies. Odoo: set when the record is "
        "created, then never overwritten (differences are logged). Newest change: the "
        "side changed last wins; when both changed and it cannot be told which was "
        "last, a conflict waits for review.",
    )
    value_ids = fields.One2many("external.crm.value.map", "field_map_id", string="Value Table")

    _sql_constraints = [
        (
            "field_uniq",
            "unique(backend_id, object_kind, field_name)",
            "An Odoo field is fed by one external field per backend and object kind.",
        ),
    ]

    @api.model
    def _selection_field_name(self):
        """Stored fields of customers and opportunities that can be mapped."""
        labels = {}
        for model_name in sorted(set(KIND_MODELS.values()), reverse=True):
            model = self.env[model_name]
            for name, field in model._fields.items():
                if is_mappable(field) and name not in labels:
                    labels[name] = f"{field.get_description(self.env)['string']} ({name})"
        return sorted(labels.items(), key=lambda item: item[1].lower())

    @api.depends("object_kind", "field_name")
    def _compute_field_label(self):
        for line in self:
            model = self._model_for_kind(line.object_kind)
            field = self.env[model]._fields.get(line.field_name) if model else None
            line.field_label = field.get_description(self.env)["string"] if field else False

    @api.depends("object_kind")
    def _compute_model_name(self):
        for line in self:
            line.model_name = self._model_for_kind(line.object_kind)

    @api.model
    def _model_for_kind(self, kind):
        return KIND_MODELS.get(kind, False)

    @api.model
    def _accounting_owned_fields(self, model_name):
        """Fields of ``model_name`` that accounting owns: no map line writes them.

        The product's promise is that the CRM never overwrites what
        accounting set. Owned are:

        - every company-dependent field: each company's own settings of the
          customer (receivable and payable accounts, fiscal position, payment
          terms, pricelist, credit limit, trust, profitability tier...);
        - every field that only accounting modules define (``account`` and
          its extensions, localisations, crm_accounting_bridge,
          crm_credit_alert, sale_margin_customer): invoice warnings, customer
          and supplier ranks, e-invoicing identifiers, credit alert state...;
        - ``ACCOUNTING_FIELDS``, whichever module defines them.

        The opportunity's negotiated terms are not owned: they are how the
        CRM proposes terms, which the bridge writes on the customer only
        where accounting set none. Extension hook: return a set; an addon
        adds its own fields to ``super()``'s.
        """
        model = self.env[model_name]
        owned = {
            name
            for name, field in model._fields.items()
            if field.company_dependent
            or (field._modules and all(map(is_accounting_module, field._modules)))
        }
        owned.update(name for name in ACCOUNTING_FIELDS if name in model._fields)
        if model_name == "crm.lead" and hasattr(model, "_negotiated_term_fields"):
            owned.difference_update(lead_field for lead_field, _ in model._negotiated_term_fields())
        return owned

    def _check_accounting_owned(self, field):
        """Refuse a line that would write a field accounting owns."""
        self.ensure_one()
        if field.name in self._accounting_owned_fields(field.model_name):
            raise ValidationError(
                self.env._(
                    "%(field)s belongs to accounting (or is a setting each company keeps in "
                    "Odoo): the external CRM never writes it. Terms negotiated in the CRM go "
                    "through the opportunity (negotiated payment terms, pricelist, credit "
                    "limit), which applies them to the customer where accounting set none.",
                    field=self.field_label or field.name,
                )
            )

    # any change of a line checks it again: one saved before a rule existed
    # (an accounting-owned field) is refused at its next save
    @api.constrains("object_kind", "field_name", "transform", "external_field", "master")
    def _check_field(self):
        for line in self:
            model = self.env[self._model_for_kind(line.object_kind)]
            field = model._fields.get(line.field_name)
            if not field or not field.store:
                raise ValidationError(
                    self.env._(
                        "%(field)s is not a field of %(model)s.",
                        field=line.field_name,
                        model=model._description,
                    )
                )
            line._check_accounting_owned(field)
            if field.type not in SUPPORTED_TYPES:
                raise ValidationError(
                    self.env._("Fields of type %(type)s cannot be mapped.", type=field.type)
                )
            if field.compute and field.readonly:
                raise ValidationError(
                    self.env._(
                        "%(field)s is computed by Odoo: a value written there is replaced. "
                        "Map the fields it is computed from instead.",
                        field=line.field_label or field.name,
                    )
                )
            line._check_transform(field)
            # sudo: reading the groups of the integration user
            user_sudo = line.backend_id.integration_user_id.sudo()
            if field.groups and user_sudo and not user_sudo.has_groups(field.groups):
                raise ValidationError(
                    self.env._(
                        "%(field)s is reserved to groups that the integration user "
                        "%(user)s does not have: every change it makes there would fail.",
                        field=line.field_label or field.name,
                        user=user_sudo.display_name,
                    )
                )
            if line.transform == "reference" and field.comodel_name != "res.partner":
                raise ValidationError(
                    self.env._(
                        "An external reference links to a customer: map it to a "
                        "customer field such as Related Company or Customer, not %(field)s.",
                        field=line.field_label,
                    )
                )
            if field.name == "stage_id" and line.transform != "value_table":
                raise ValidationError(self.env._("Deal stages need the value table transform."))

    def write(self, vals):
        check_parent_access(self, vals, "backend_id")
        return super().write(vals)

    def _check_transform(self, field):
        """Refuse a transform whose result ``field`` cannot hold.

        A country transform gives a country: written to another relation (the
        State) it picked the record with the country's id, with the event done.
        """
        self.ensure_one()
        types = TRANSFORM_TYPES.get(self.transform)
        fits = field.type in types if types else True
        if self.transform == "country_iso":
            fits = field.comodel_name == "res.country"
        if not fits:
            transforms = dict(self._fields["transform"]._description_selection(self.env))
            raise ValidationError(
                self.env._(
                    "The %(transform)s transform cannot feed %(field)s: choose a transform "
                    "whose result this field holds, or another field.",
                    transform=transforms[self.transform],
                    field=self.field_label or field.name,
                )
            )

    @api.model
    def _create_defaults(self, backend):
        """Create the default field map and stage table of ``backend``'s provider."""
        provider = get_provider(backend)
        if not provider:
            return
        vals_list = []
        for kind, external, odoo_field, transform, master in provider.default_field_maps():
            if odoo_field not in self.env[self._model_for_kind(kind)]._fields:
                continue
            vals = {
                "backend_id": backend.id,
                "object_kind": kind,
                "external_field": external,
                "field_name": odoo_field,
                "transform": transform,
                "master": master,
            }
            if odoo_field == "stage_id":
                vals["value_ids"] = [
                    Command.create(values) for values in self._default_stage_lines(provider)
                ]
            vals_list.append(vals)
        self.create(vals_list)

    @api.model
    def _default_stage_lines(self, provider):
        lines = []
        for external, target in provider.default_stage_values():
            if target == "lost":
                lines.append({"external_value": external, "is_lost": True})
                continue
            stage = self.env.ref(target, raise_if_not_found=False)
            lines.append({"external_value": external, "stage_id": stage.id if stage else False})
        return lines

    def _external_value(self, values):
        """The raw value of this line in ``values`` (a dict of external fields).

        Returns ``(present, value)``: a line whose fields are all absent does
        not touch the Odoo field (partial updates from scripts).
        """
        self.ensure_one()
        names = [part.strip() for part in self.external_field.split("+")]
        if not any(name in values for name in names):
            return False, None
        if len(names) == 1:
            return True, values.get(names[0])
        parts = [str(values[name]).strip() for name in names if values.get(name) not in (None, "")]
        return True, " ".join(part for part in parts if part) or False
