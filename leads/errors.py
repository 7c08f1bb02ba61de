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


class LayoutChanged(Exception):
    """A page or file lost the structure its source's parser knows (table gone, an essential column gone).

    Raised by spiders, read by the crawl runner and `leads parse`; it lives here so nothing in
    ``leads/`` has to import ``spiders/``. Not a LeadsError: the runner adds the file or source.
    """


class NoNoticesListed(Exception):
    """The agency's own page says it lists no notices for the asked window: an answer, not a breakage.

    ``leads parse`` reports 0 notices with exit 0; a crawl records outcome ``empty`` with
    :data:`AGENCY_LISTS_NONE` as the reason.
    """


AGENCY_LISTS_NONE = "the agency lists none for this window"
