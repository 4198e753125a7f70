from . import matcher
from . import processor
