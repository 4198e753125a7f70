from . import account_move_line
from . import account_move
from . import res_partner
from . import crm_lead
from . import res_company
