from . import partner_financial_snapshot
from . import account_move
from . import account_move_line
from . import res_company
from . import res_partner
from . import res_config_settings
from . import crm_lead
from . import sale_order
