from . import test_margin_report
from . import test_margin_aggregates
from . import test_margin_access
from . import test_customer_margin
from . import test_profitability_tier
from . import test_french
from . import test_tours
from . import test_customer_360_margin
