from . import provider
from . import generic
from . import hubspot
