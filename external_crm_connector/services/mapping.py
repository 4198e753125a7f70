# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""From an external record's values to Odoo values, by the backend's field map.

``Mapper`` takes the values a provider read and returns the Odoo values in
their comparable form (see ``coercion``), with the notes a person reads
about what could not be used, and the reference that waits for a record
not imported yet. It writes nothing and asks nothing of the processing:
references are resolved with the bound customers it is given.
"""

from dataclasses import dataclass

from ..adapters import transforms
from .policy import LOST

# an external reference (a contact's or a deal's company) points to a customer
REFERENCE_KIND = "company"
# the identity fields: what matching reads before the rest is mapped
IDENTITY_FIELDS = ("vat", "company_registry", "email", "phone", "mobile", "name")


class Skip(Exception):
    """A field value that cannot be used; the field is left as it is."""


@dataclass(frozen=True)
class PendingReference:
    """A field that waits for the external record it names to be imported."""

    field_name: str
    kind: str
    external_id: str


@dataclass
class Mapped:
    """What the field map made of an external record."""

    values: dict
    pending: PendingReference | None
    notes: list


@dataclass
class ValueLine:
    stage_id: int
    is_lost: bool
    odoo_value: str


@dataclass
class MapLine:
    """A field map line as plain data: read for every event of the batch."""

    object_kind: str
    field_name: str
    field_label: str
    names: list
    transform: str
    master: str
    master_label: str
    values: dict

    @classmethod
    def from_record(cls, line, master_labels):
        return cls(
            object_kind=line.object_kind,
            field_name=line.field_name,
            field_label=line.field_label,
            names=[part.strip() for part in line.external_field.split("+")],
            transform=line.transform,
            master=line.master,
            master_label=master_labels.get(line.master, line.master),
            values={
                value.external_value: ValueLine(value.stage_id.id, value.is_lost, value.odoo_value)
                for value in line.value_ids
            },
        )

    def external_value(self, values):
        """``(present, value)`` as ``external.crm.field.map._external_value`` gives it."""
        names = self.names
        if len(names) == 1:
            name = names[0]
            return (True, values.get(name)) if name in values else (False, None)
        if not any(name in values for name in names):
            return False, None
        parts = [str(values[name]).strip() for name in names if values.get(name) not in (None, "")]
        return True, " ".join(part for part in parts if part) or False


class Mapper:
    """The field map of one backend, applied to external values."""

    def __init__(self, env, lines, coercer, country_code):
        self.env = env
        self.coercer = coercer
        self.country_code = country_code
        self.lines = lines
        self.reference_lines = {
            kind: [line for line in kind_lines if line.transform == "reference"]
            for kind, kind_lines in lines.items()
        }

    @classmethod
    def from_backend(cls, backend, kinds, coercer, country_code):
        maps = backend.field_map_ids
        # the policies' labels in the user's language, for the notes
        master_labels = dict(maps._fields["master"]._description_selection(backend.env))
        lines = {kind: [] for kind in kinds}
        for line in maps:
            lines[line.object_kind].append(MapLine.from_record(line, master_labels))
        return cls(backend.env, lines, coercer, country_code)

    def field_lines(self, kind):
        """The line of each field mapped for ``kind``."""
        return {line.field_name: line for line in self.lines[kind]}

    def references(self, kind, values, non_empty=True):
        """``(kind, external id)`` of the records ``values`` refer to."""
        found = set()
        for line in self.reference_lines.get(kind, ()):
            present, value = line.external_value(values)
            if present and (value or not non_empty):
                found.add((REFERENCE_KIND, str(value)))
        return found

    def identity_values(self, kind, values):
        """Incoming values of the identity fields only, without notes."""
        found = {}
        phone_country = self.phone_country(kind, values)
        for line in self.lines.get(kind, []):
            if line.field_name in IDENTITY_FIELDS:
                present, raw = line.external_value(values)
                if not present:
                    continue
                try:
                    found[line.field_name] = self._transform(line, raw, [], phone_country)
                except (Skip, ValueError):
                    continue
        return found

    def map(self, kind, values, bound):
        """Map the external ``values`` of a record of ``kind``.

        Values use a comparable form: ids for relations, ISO text for dates.
        A value that cannot be used is skipped with a note, not guessed.
        ``bound``: the customer id of each bound ``(kind, external id)``, for
        references.
        """
        result = Mapped(values={}, pending=None, notes=[])
        notes = result.notes
        phone_country = self.phone_country(kind, values)
        for line in self.lines.get(kind, []):
            present, raw = line.external_value(values)
            if not present:
                continue
            fname = line.field_name
            try:
                if line.transform == "reference":
                    result.values[fname] = self._reference(line, raw, bound)
                    continue
                result.values[fname] = self._transform(line, raw, notes, phone_country)
            except Skip as skip:
                if skip.args and isinstance(skip.args[0], PendingReference):
                    result.pending = pending = skip.args[0]
                    notes.append(
                        self.env._(
                            "%(field)s: %(kind)s %(id)s is not known yet; linked when it arrives.",
                            field=line.field_label,
                            kind=pending.kind,
                            id=pending.external_id,
                        )
                    )
                elif skip.args:
                    notes.append(skip.args[0])
            except ValueError as error:
                notes.append(
                    self.env._(
                        "%(field)s: %(error)s; the field is left as it is.",
                        field=line.field_label,
                        error=self._unreadable_text(error),
                    )
                )
        refused = self._refused_vat(kind, result.values)
        if refused:
            del result.values["vat"]
            notes.append(refused)
        return result

    def _refused_vat(self, kind, values):
        """What Odoo's VAT check says of an incoming VAT it refuses, else None.

        With ``base_vat`` (which French and many other accountings install),
        a VAT Odoo refuses fails the whole write: the record would lose
        everything else the event carries. It is checked here as the
        constraint checks it (against the incoming country, else the VAT's
        own prefix), so that it is left out with a note and the rest applied;
        accounting's check is never bypassed.
        """
        vat = values.get("vat")
        partners = self.coercer.model(kind)
        if not vat or len(vat) == 1 or not hasattr(partners, "check_vat"):
            return None
        country = self.env["res.country"].browse(values.get("country_id") or ())
        if partners._run_vat_test(vat, country, kind == "company") is not False:
            return None
        reason = partners._build_vat_error_message(
            country.code.lower() if country else None, vat, self.env._("this customer")
        )
        return self.env._(
            "VAT: Odoo's VAT check refuses %(vat)s; the field is left as it is. %(reason)s",
            vat=vat,
            reason=reason,
        )

    def _unreadable_text(self, error):
        """What a person reads of a value a transform could not read, in their language."""
        if not isinstance(error, transforms.Unreadable):
            return str(error)
        value = repr(error.value)
        texts = {
            transforms.EMAIL: self.env._("%(value)s is not an e-mail address", value=value),
            transforms.PHONE: self.env._("%(value)s is not a phone number", value=value),
            transforms.DATETIME: self.env._("%(value)s is not a date and time", value=value),
            transforms.DATE: self.env._("%(value)s is not a date", value=value),
            transforms.NUMBER: self.env._("%(value)s is not a number", value=value),
        }
        return texts[error.expected]

    def _reference(self, line, raw, bound):
        if transforms.is_empty(raw):
            return False
        partner_id = bound.get((REFERENCE_KIND, str(raw)))
        if partner_id:
            odoo_field = self.coercer.model(line.object_kind)._fields[line.field_name]
            # the customers bound so far, checked in the same search
            return self.coercer.by_id(odoo_field, partner_id, batch=bound.values())
        raise Skip(PendingReference(line.field_name, REFERENCE_KIND, str(raw)))

    def phone_country(self, kind, values):
        """Country of national phone numbers: the record's own, else the default."""
        for line in self.lines.get(kind, []):
            if line.transform == "country_iso":
                present, raw = line.external_value(values)
                if present:
                    try:
                        country = self.coercer.country(transforms.country_code(raw))
                    except ValueError:
                        continue
                    if country:
                        return self.env["res.country"].browse(country).code
        return self.country_code

    def _transform(self, line, raw, notes, phone_country=None):
        """Apply the line's transform, then fit the value to the Odoo field.

        A field accounting owns is never written, even by a line saved
        before that rule (its next save is refused): skipped with a note.
        """
        transform = line.transform
        model = self.coercer.model(line.object_kind)
        odoo_field = model._fields[line.field_name]
        if self.coercer.owned_by_accounting(model._name, line.field_name):
            raise Skip(
                self.env._(
                    "%(field)s belongs to accounting: the external CRM never writes it; the "
                    "field map line is left out (remove it).",
                    field=line.field_label,
                )
            )
        if isinstance(raw, list | dict):
            # a field of Odoo holds one value: which one of a list is a guess
            raise ValueError(
                self.env._("a %(kind)s is not a single value", kind=type(raw).__name__)
            )
        if transform == "value_table":
            return self._value_table(line, raw, odoo_field)
        if transform == "phone_e164":
            try:
                return transforms.phone_e164(raw, phone_country or self.country_code)
            except ValueError as error:
                notes.append(
                    self.env._(
                        "%(field)s: %(error)s; written as received.",
                        field=line.field_label,
                        error=str(error),
                    )
                )
                return transforms.trim(raw)
        if transform == "country_iso":
            return self.coercer.country(transforms.country_code(raw))
        value = {
            "trim": transforms.trim,
            "lower_email": transforms.lower_email,
            "vat": transforms.normalize_vat,
            "date": transforms.parse_date,
            "number": transforms.parse_number,
        }.get(transform, lambda v: v)(raw)
        return self.coercer.fit(odoo_field, value)

    def _value_table(self, line, raw, odoo_field):
        text = "" if raw is None or raw is False else str(raw).strip()
        value = line.values.get(text)
        if value is None:
            raise Skip(
                self.env._(
                    "%(field)s: %(value)s is not in the value table; the field is left as it is.",
                    field=line.field_label,
                    value=text or "''",
                )
            )
        if odoo_field.name == "stage_id":
            if value.is_lost:
                return LOST
            if not value.stage_id:
                raise Skip(
                    self.env._("Stage %(value)s has no Odoo stage in the value table.", value=text)
                )
            return self.coercer.by_id(odoo_field, value.stage_id)
        return self.coercer.fit(odoo_field, value.odoo_value)
