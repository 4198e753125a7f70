from . import partner_financial_snapshot
from . import res_company
from . import res_partner
from . import res_config_settings
from . import crm_lead
