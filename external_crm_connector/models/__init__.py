from . import external_crm_backend
from . import external_crm_field_map
from . import external_crm_value_map
from . import external_crm_event
from . import external_crm_binding
from . import external_crm_conflict
from . import external_crm_sync_cursor
from . import external_crm_rejection
