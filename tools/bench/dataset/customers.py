# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Customers and contacts: the plan ``bench_customer``, then copies of the prototype partners.

Each customer gets a name, a volume rank (rank 1 buys most; ranks are
shuffled against names), a credit limit factor, and, one in
``Params.contacts_every``, a contact. After the invoices are written,
``finish_partners`` sets the customer ranks and credit limits as posting
and an accountant would.
"""

from .bulk import copy_rows, reserve_ids
from .consistency import log

ADJECTIVES = [
    "Atlas",
    "Azure",
    "Blue",
    "Bright",
    "Cedar",
    "Coastal",
    "Crystal",
    "Delta",
    "Eastern",
    "Emerald",
    "Golden",
    "Granite",
    "Harbor",
    "Iron",
    "Jade",
    "Lunar",
    "Maple",
    "Nordic",
    "Oak",
    "Pacific",
    "Royal",
    "Silver",
    "Summit",
    "Urban",
]
NOUNS = [
    "Analytics",
    "Bakery",
    "Builders",
    "Chemicals",
    "Consulting",
    "Dairy",
    "Design",
    "Electric",
    "Engineering",
    "Farms",
    "Foods",
    "Freight",
    "Furniture",
    "Garden",
    "Health",
    "Hotels",
    "Imports",
    "Industries",
    "Labs",
    "Logistics",
    "Media",
    "Motors",
    "Optics",
    "Paper",
    "Pharma",
    "Plastics",
    "Retail",
    "Software",
    "Textiles",
    "Trading",
]
FIRST_NAMES = [
    "Amina",
    "Bruno",
    "Chloe",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Karim",
    "Lea",
]

PLAN_CUSTOMERS = """
    CREATE TEMP TABLE bench_customer AS
    SELECT i AS num, %(first)s + i - 1 AS partner_id,
           ((%(adj)s)::text[])[1 + (i * 7 + i / 24) %% %(n_adj)s] || ' '
           || ((%(nouns)s)::text[])[1 + (i * 13 + i / 31) %% %(n_nouns)s] || ' '
           || to_char(i, %(number)s) AS name,
           round((random() * 9 + 1)::numeric, 0) AS limit_factor,
           random() < 0.75 AS has_limit
      FROM generate_series(1, %(n)s) i
"""
# Volume rank: customer 1 buys most; ranks are shuffled against names.
RANK_CUSTOMERS = """
    ALTER TABLE bench_customer ADD COLUMN volume_rank int;
    UPDATE bench_customer c SET volume_rank = r.rank
      FROM (SELECT num, row_number() OVER (ORDER BY random()) AS rank
              FROM bench_customer) r
     WHERE r.num = c.num;
    CREATE UNIQUE INDEX ON bench_customer (volume_rank);
    CREATE UNIQUE INDEX ON bench_customer (num);
    ANALYZE bench_customer;
    ALTER TABLE bench_customer ADD COLUMN contact_id int;
    ALTER TABLE bench_customer ADD COLUMN contact_name text;
"""
PLAN_CONTACTS = """
    UPDATE bench_customer
       SET contact_id = %(first)s + num / %(every)s - 1,
           contact_name = ((%(names)s)::text[])[1 + num %% %(n_names)s]
                          || ' ' || to_char(num, %(number)s)
     WHERE num %% %(every)s = 0
"""
FINISH_PARTNERS = """
    UPDATE res_partner p SET customer_rank = greatest(n.count, 1)
      FROM (SELECT c.partner_id, count(d.idx) AS count
              FROM bench_customer c
         LEFT JOIN bench_doc d ON d.partner_id = c.partner_id
                   AND d.move_type = 'out_invoice'
          GROUP BY c.partner_id) n
     WHERE p.id = n.partner_id;
    -- posting also ranks the contact an invoice is addressed to
    UPDATE res_partner p SET customer_rank = n.count
      FROM (SELECT move_partner_id, count(*) AS count FROM bench_doc
             WHERE move_type = 'out_invoice' AND move_partner_id <> partner_id
          GROUP BY move_partner_id) n
     WHERE p.id = n.move_partner_id;
    -- a credit limit for three customers in four, around their usual exposure
    UPDATE res_partner p
       SET credit_limit = jsonb_build_object(
               %(company)s::text,
               greatest(1000, round(n.exposure * c.limit_factor / 5 / 1000) * 1000)::float)
      FROM bench_customer c
      JOIN (SELECT partner_id, sum(total) / count(*) * 4 AS exposure
              FROM bench_doc WHERE move_type = 'out_invoice' GROUP BY partner_id) n
           ON n.partner_id = c.partner_id
     WHERE p.id = c.partner_id AND c.has_limit;
"""


def number_format(customers):
    """The ``to_char`` format of the customers' numbers in their names: five
    digits, more when there are more customers (a number too long for its
    format would come out as ``#####``)."""
    return "FM" + "0" * max(5, len(str(customers)))


def plan_customers(cr, params):
    """Temp table ``bench_customer``: one row per customer (and its contact, if any)."""
    cr.execute("SELECT setseed(%s)", [params.seed])  # the same data set on every build
    number = number_format(params.customers)
    first = reserve_ids(cr, "res_partner", params.customers)
    cr.execute(
        PLAN_CUSTOMERS,
        {
            "first": first,
            "n": params.customers,
            "adj": ADJECTIVES,
            "n_adj": len(ADJECTIVES),
            "nouns": NOUNS,
            "n_nouns": len(NOUNS),
            "number": number,
        },
    )
    cr.execute(RANK_CUSTOMERS)
    n_contacts = params.customers // params.contacts_every
    first_contact = reserve_ids(cr, "res_partner", n_contacts)
    cr.execute(
        PLAN_CONTACTS,
        {
            "first": first_contact,
            "every": params.contacts_every,
            "names": FIRST_NAMES,
            "n_names": len(FIRST_NAMES),
            "number": number,
        },
    )


def write_customers(cr, prototypes):
    """Copy the prototype customer and contact for every planned one; return the counts."""
    when = "(now() at time zone 'UTC')"
    common = {"create_date": when, "write_date": when, "create_uid": "1", "write_uid": "1"}
    customers = copy_rows(
        cr,
        "res_partner",
        "(SELECT *, %(tpl)s AS tpl_id FROM bench_customer) src",
        {
            **common,
            "id": "src.partner_id",
            "name": "src.name",
            "complete_name": "src.name",
            "commercial_partner_id": "src.partner_id",
            "commercial_company_name": "src.name",
        },
        {"tpl": prototypes.partner.id},
    )
    contacts = copy_rows(
        cr,
        "res_partner",
        "(SELECT *, %(tpl)s AS tpl_id FROM bench_customer WHERE contact_id IS NOT NULL) src",
        {
            **common,
            "id": "src.contact_id",
            "name": "src.contact_name",
            "complete_name": "src.name || ', ' || src.contact_name",
            "parent_id": "src.partner_id",
            "commercial_partner_id": "src.partner_id",
            "commercial_company_name": "src.name",
        },
        {"tpl": prototypes.contact.id},
    )
    log(f"customers: {customers}, contacts: {contacts}")
    return {"customers": customers, "contacts": contacts}


def finish_partners(cr, company_id):
    """Customer ranks and credit limits, as posting and the accountant would set them."""
    cr.execute(FINISH_PARTNERS, {"company": company_id})
