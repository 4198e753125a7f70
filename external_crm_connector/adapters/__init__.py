from . import provider
from . import generic
from . import hubspot
from . import salesforce
from . import zoho
from . import pipedrive
