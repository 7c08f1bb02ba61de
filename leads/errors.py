"""Domain errors: each carries a message a rep or an ops person can act on."""


class LeadsError(Exception):
    """A user-facing error; the CLI prints ``Error: <message>`` and exits non-zero."""

    exit_code = 1


class DatabaseError(LeadsError):
    """The database cannot be opened, read or written (corrupted, locked, unwritable, not migrated)."""


class NotFound(LeadsError):
    pass


class ConflictError(LeadsError):
    """Somebody else changed the row since it was read; the caller should reload and retry."""


class PermissionDenied(LeadsError):
    pass


class InputError(LeadsError):
    """A file or value given by the user is not usable; the message names the file, row or field."""
