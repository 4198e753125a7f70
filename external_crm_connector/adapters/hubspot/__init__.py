from .provider import HubSpotProvider
