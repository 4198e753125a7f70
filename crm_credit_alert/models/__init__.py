from . import res_company
from . import res_config_settings
from . import crm_credit_override
from . import crm_credit_alert_mixin
from . import crm_lead
from . import sale_order
from . import payment_transaction
from . import crm_customer_360
