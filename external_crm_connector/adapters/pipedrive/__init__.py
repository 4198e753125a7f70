from .provider import PipedriveProvider
