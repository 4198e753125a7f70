from .provider import ZohoProvider
