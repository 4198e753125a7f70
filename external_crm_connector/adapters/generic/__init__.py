from .provider import GenericProvider
