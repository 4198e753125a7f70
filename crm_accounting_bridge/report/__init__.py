from . import crm_customer_360
from . import crm_order_cash_cycle
