"""CaseView: independent review of anonymised children's services case files."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("caseview")
except _metadata.PackageNotFoundError:  # a frozen build without dist-info
    __version__ = "0.1.0"
