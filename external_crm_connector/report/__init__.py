from . import external_crm_event_stat
from . import crm_order_cash_cycle
