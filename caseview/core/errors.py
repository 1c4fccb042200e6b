"""One exception family; each error carries the sentence a user must be told."""

from __future__ import annotations


class CaseViewError(Exception):
    """An error a user can act on. ``str(error)`` is one complete sentence."""

    #: exit status for the command line: 1 = the thing checked is not valid
    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BundleError(CaseViewError):
    """A bundle does not conform to the format or exceeds a limit."""


class FrameworkError(CaseViewError):
    """A review framework file does not validate."""


class WorkspaceError(CaseViewError):
    """The workspace cannot be opened, read or written."""


class FileInUse(CaseViewError):
    """A file could not be replaced: another program holds the old one open (Windows), or it is read-only."""


class PathProblem(CaseViewError):
    """A file or folder name this system refuses: a name Windows keeps for a device, a forbidden character, too long."""


class NotFound(CaseViewError):
    """A case, document, item or identity named by the user does not exist."""


class SearchError(CaseViewError):
    """A search query cannot be understood."""


class ReviewError(CaseViewError):
    """A review command or findings file is not valid for this case."""


class SigningError(CaseViewError):
    """An identity cannot be used, or a report cannot be signed."""


class Cancelled(CaseViewError):
    """The user cancelled long work; nothing was left half-written."""

    def __init__(self, message: str = "Cancelled; nothing was changed."):
        super().__init__(message)
