from . import batch
from . import matcher
from . import processor
from . import resolution
