"""One hierarchy of errors for the whole core; the CLI and the window translate them at the edge."""

from __future__ import annotations


class EvidenceError(Exception):
    """Base of every error Threadline reports to a user as one plain sentence."""


class WrongFormat(EvidenceError):
    """An importer was handed a file it cannot read; raised before any output."""


class CorruptRecord(EvidenceError):
    """A file of the right format whose content is broken beyond what warnings can carry."""


class StoreError(EvidenceError):
    """The case store cannot be opened, read or written."""


class CaseNotFound(StoreError):
    """No case exists at the given path."""


class CaseLocked(StoreError):
    """Another process holds the case open for writing."""


class SchemaTooNew(StoreError):
    """The case was written by a newer Threadline than this one."""


class PassphraseRequired(StoreError):
    """The case is encrypted and no passphrase was given."""


class WrongPassphrase(StoreError):
    """The passphrase given does not open the encrypted case."""


class WeakPassphrase(EvidenceError):
    """A new passphrase does not meet the one rule (a minimum length)."""


class IntegrityError(EvidenceError):
    """An original or the audit chain no longer matches what was recorded."""


class ExportError(EvidenceError):
    """An export could not be produced or failed its verification."""


class Cancelled(EvidenceError):
    """The user cancelled a job; not a failure, nothing to show."""


class NeedsDecision(WrongFormat):
    """The file can be read only once the user settles a question (e.g. day/month order).

    `option` names the import option that settles it and `choices` its possible values, so
    the CLI can say which flag to pass and the window can ask.
    """

    def __init__(self, message: str, option: str, choices: tuple[str, ...]) -> None:
        super().__init__(message)
        self.option = option
        self.choices = choices
