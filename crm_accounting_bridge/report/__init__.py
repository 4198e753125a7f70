from . import crm_customer_360
