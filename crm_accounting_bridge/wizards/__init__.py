from . import crm_accounting_readiness
