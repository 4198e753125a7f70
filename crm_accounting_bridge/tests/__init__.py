from . import test_access
from . import test_customer_360
from . import test_financial_snapshot
from . import test_full_payment_date
from . import test_http_rpc
from . import test_negotiated_terms
from . import test_readiness
from . import test_snapshot_queries
