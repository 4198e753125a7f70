from . import sale_margin_customer_report
from . import crm_customer_360
