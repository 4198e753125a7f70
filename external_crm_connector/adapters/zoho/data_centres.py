# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Zoho's data centres: their accounts servers and API domains, and their hosts."""

from ..destinations import hosts_of

# Zoho's accounts server of each data centre
ACCOUNTS_URLS = {
    "com": "https://accounts.zoho.com",
    "eu": "https://accounts.zoho.eu",
    "in": "https://accounts.zoho.in",
    "com.au": "https://accounts.zoho.com.au",
    "jp": "https://accounts.zoho.jp",
    "com.cn": "https://accounts.zoho.com.cn",
    "sa": "https://accounts.zoho.sa",
    "ca": "https://accounts.zohocloud.ca",
}
# the API domain of each data centre, until a token answer names it
API_URLS = {
    "com": "https://www.zohoapis.com",
    "eu": "https://www.zohoapis.eu",
    "in": "https://www.zohoapis.in",
    "com.au": "https://www.zohoapis.com.au",
    "jp": "https://www.zohoapis.jp",
    "com.cn": "https://www.zohoapis.com.cn",
    "sa": "https://www.zohoapis.sa",
    "ca": "https://www.zohoapis.ca",
}
# where the client secret and refresh token may go, and where the API is
ACCOUNTS_HOSTS = hosts_of(ACCOUNTS_URLS.values())
API_HOSTS = hosts_of(API_URLS.values())
