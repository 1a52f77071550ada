"""The errors assay raises on purpose.

Every error a user can cause derives from :class:`AssayError`. The command line
turns any of them into one red line on stderr and exit code 2; anything else that
escapes is a bug in assay and keeps its traceback.

    AssayError
    ├── InputError (ValueError)            bad input: a value, a file, an expression
    │   ├── NotFoundError (LookupError)    a named thing does not exist
    │   └── DuplicateError                 a name that must be unique is taken
    ├── WorkspaceError                     the workspace or its database
    │   ├── NoWorkspaceError               no .assay/ found walking up
    │   ├── DatabaseURLError               a database URL that cannot be parsed
    │   ├── DatabaseUnreachableError       a server that does not answer
    │   ├── StoreBusyError                 other writers kept the store busy past the bound
    │   ├── RunLockedError                 another process is running or resuming the run
    │   └── SchemaTooNewError              made by a newer assay
    ├── NetworkUnavailableError (ConnectionError)  a remote service cannot be reached
    ├── PermissionDeniedError              the acting user lacks the role
    │   └── RateLimitedError               too many failed log-ins; retry later
    └── MissingDependencyError (ImportError)  an optional extra is not installed

Messages say what was given, what was expected and, where it helps, what to do.
"""

from __future__ import annotations

__all__ = [
    "AssayError",
    "DatabaseURLError",
    "DatabaseUnreachableError",
    "DuplicateError",
    "InputError",
    "MissingDependencyError",
    "NetworkUnavailableError",
    "NoWorkspaceError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RunLockedError",
    "SchemaTooNewError",
    "StoreBusyError",
    "WorkspaceError",
]


class AssayError(Exception):
    """Root of every error assay raises on purpose."""


class InputError(AssayError, ValueError):
    """A value, file or expression given by the user is not acceptable."""


class NotFoundError(InputError, LookupError):
    """A named thing (technique, run, prototype...) does not exist."""


class DuplicateError(InputError):
    """A name that must be unique is already taken."""


class WorkspaceError(AssayError):
    """The workspace or its database cannot be used."""


class NoWorkspaceError(WorkspaceError):
    """No ``.assay/`` directory was found and no database URL was given."""


class DatabaseURLError(WorkspaceError):
    """A database URL that cannot be parsed or names an unsupported database."""


class DatabaseUnreachableError(WorkspaceError):
    """The database server does not answer or refuses the connection."""


class StoreBusyError(WorkspaceError):
    """Other writers held the database's lock through every retry
    (:class:`assay.store.retry.RetryPolicy`); nothing was written."""


class RunLockedError(WorkspaceError):
    """Another process holds a run's lock (it runs or resumes the run); nothing was
    written."""


class SchemaTooNewError(WorkspaceError):
    """The database was migrated by a newer assay than the one running."""


class NetworkUnavailableError(AssayError, ConnectionError):
    """A remote service (the arXiv API...) cannot be reached; the message says what
    to do offline."""


class PermissionDeniedError(AssayError):
    """The acting user does not hold the role an action needs."""


class RateLimitedError(PermissionDeniedError):
    """Too many failed attempts to log in, for one name or from one client; the web
    app answers 429 with ``Retry-After: retry_after_s``."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class MissingDependencyError(AssayError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"this needs {package}, which is not installed; "
            f"install it with: pip install 'assay[{extra}]'"
        )
