from . import sale_margin_customer_report
