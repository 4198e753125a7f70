from . import test_credit_activities
from . import test_credit_block
from . import test_credit_levels
from . import test_credit_queries
from . import test_credit_search
from . import test_credit_settings
from . import test_figure_formatter
