from . import test_signatures
from . import test_webhook
from . import test_processing
from . import test_hubspot
from . import test_pull
from . import test_concurrency
from . import test_security
from . import test_statistics
