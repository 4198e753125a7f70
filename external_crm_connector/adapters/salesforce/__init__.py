from .provider import SalesforceProvider
