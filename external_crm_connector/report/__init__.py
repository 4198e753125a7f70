from . import external_crm_event_stat
