from . import crm_credit_override_wizard
