# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark data set: a company with many customers and posted invoices.

Builds (or reuses) a database on a private PostgreSQL cluster started with
``tools/pg-cluster``, with crm_accounting_bridge and sale_crm installed
without demo data, then generates customers, posted customer invoices,
payments, bank statement lines, credit notes, reconciliations, opportunities,
confirmed sale orders, and won opportunities whose confirmed orders the
invoices invoice.

The ORM is used for what is cheap and where Odoo's business rules matter
most (one prototype of every kind of document, opportunities, sale orders,
settings); the bulk of the accounting is copied from those prototypes with
``INSERT ... SELECT``, so that every column the ORM would fill is filled the
same way, and only the values that differ (ids, names, partners, dates,
amounts, residuals, reconciliation links, states) are computed in SQL. The
result is then checked with SQL invariants and with Odoo's own compute
methods, and the build fails loudly when anything disagrees.

Other benchmarks reuse it::

    sys.path.insert(0, "tools/bench")
    from dataset import ensure_dataset

    bench_db = ensure_dataset()  # builds once, then reuses
    with bench_db.environment() as env:
        ...

or, with the options ``--pg-dir``, ``--size`` and ``--db`` of every benchmark::

    parser = argparse.ArgumentParser()
    add_dataset_arguments(parser)
    bench_db = ensure_dataset_of(parser.parse_args())

Command line: ``python3 tools/bench/dataset [--size large] [--rebuild]`` (``--help``).

What is where, in the order of a build:

- ``build.py``: ``ensure_dataset`` (reuse or build, the marker), ``check_dataset``;
- ``database.py``: ``BenchDatabase``, the cluster, the template database, installs;
- ``params.py``: the size (``Params``, ``--size``) and the shape (shares, payment terms);
- ``generator.py``: the steps of a generation, in their order;
- ``prototypes.py``: one document of every kind through the ORM;
- ``customers.py``: customers and contacts, their ranks and credit limits;
- ``documents.py``: invoices and credit notes;
- ``settlements.py``: payments and bank statement lines;
- ``reconciliations.py``: partial and full reconciles, matching numbers;
- ``deals.py``: won opportunities and their orders, linked to the invoices (bulk);
- ``leads.py``, ``orders.py``: opportunities and sale orders (ORM);
- ``bulk.py``: copies of prototype rows, ids, numbering, the bulk load;
- ``consistency.py``: the checks of a built data set;
- ``cli.py`` and ``__main__.py``: the command line, and the options the benchmarks share.
"""

from .build import check_dataset, ensure_dataset
from .cli import add_dataset_arguments, default_db, ensure_dataset_of
from .consistency import DatasetError, log
from .database import (
    DEFAULT_DB,
    DEFAULT_PG_DIR,
    BenchDatabase,
    install_modules,
    start_cluster,
)
from .params import SIZES, Params, params_of_size
