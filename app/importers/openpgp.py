"""OpenPGP clear-signed text, checked against given keys by Sequoia-PGP (`pysequoia`).

X/Twitter returns arrive as clear-signed files. This module splits such a file into the text a
reader parses (dash-escaping undone; needed when no key is given, since Sequoia hands the text
over only once a signature verifies), reads certificates (armoured or binary) with Sequoia,
and has Sequoia check the signature over the file's own bytes. Sequoia also judges the key:
expired when the signature was made, revoked, or not bound for signing means no valid
signature. The answer is a `Verdict` whose sentence says what was checked; it is never
VERIFIED unless Sequoia's check passed, and then it carries the text Sequoia verified, which
is what the importer reads. Who holds the key is not judged: the user chooses which keys to
trust by giving them.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pysequoia
from pysequoia.packet import Packet, PacketPile, Tag

log = logging.getLogger(__name__)

SIGNED_HEADER = "-----BEGIN PGP SIGNED MESSAGE-----"
SIGNATURE_BEGIN = "-----BEGIN PGP SIGNATURE-----"
SIGNATURE_END = "-----END PGP SIGNATURE-----"
KEY_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----"

VERIFIED = "verified"
FAILED = "failed"
UNVERIFIED = "not verified"

_WEAK_HASHES = frozenset({"MD5", "SHA1", "RIPEMD160"})
_KEY_TAGS = (Tag.PublicKey, Tag.PublicSubkey, Tag.SecretKey, Tag.SecretSubkey)
_LEADING = b"\xef\xbb\xbf \t\r\n"


class PgpError(ValueError):
    """OpenPGP data that cannot be read; the message says why in plain words."""


def _said(exc: BaseException) -> str:
    """Sequoia's message without the Rust backtrace it may carry."""
    lines = str(exc).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__


def _name(value: object) -> str:
    """`HashAlgorithm.SHA512` -> `SHA512`."""
    return str(value).rsplit(".", 1)[-1]


# -- the clear-signed text ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClearSigned:
    """A clear-signed message: the text to read and the bytes for Sequoia to check.

    `text` is the signed text with dash-escaping undone, as split here for reading.
    `data` is the file's bytes from the header on (what the signature is checked over), or
    None with `signature_error` saying why the signature cannot be checked. `trailing` is
    true when something other than blank lines follows the signature block: the signature
    does not cover it and it is not read.
    """

    text: str
    data: bytes | None
    signature_error: str = ""
    trailing: bool = False


def is_clearsigned(text: str) -> bool:
    """Whether the text opens with the clear-signed message header."""
    return text.lstrip("\ufeff \t\r\n").startswith(SIGNED_HEADER)


def parse_clearsigned(text: str, data: bytes | None = None) -> ClearSigned:
    """Split a clear-signed message for reading; PgpError when it does not even open like one.

    `text` is the file decoded for reading, `data` its bytes, which the signature covers
    (decoded text may differ from them). Without `data`, or when the bytes do not open with
    the header (UTF-16 text), the signature cannot be checked and the result says so.
    """
    lines = text.lstrip("\ufeff \t\r\n").splitlines()
    if not lines or lines[0].strip() != SIGNED_HEADER:
        raise PgpError("not a clear-signed message (no BEGIN PGP SIGNED MESSAGE line)")
    i = 1
    while i < len(lines) and lines[i].strip():  # armour headers (Hash: …) up to a blank line
        i += 1
    if i >= len(lines):
        raise PgpError("the clear-signed message has no blank line before its text (truncated?)")
    start = end = i + 1
    while end < len(lines) and lines[end].strip() != SIGNATURE_BEGIN:
        end += 1
    body = "\n".join(line[2:] if line.startswith("- ") else line for line in lines[start:end])
    if end >= len(lines):
        return ClearSigned(body, None, "the file has no signature block (truncated?)")
    after = end + 1
    while after < len(lines) and lines[after].strip() != SIGNATURE_END:
        after += 1
    if after >= len(lines):
        return ClearSigned(body, None, "the signature block has no END line (truncated?)")
    trailing = any(line.strip() for line in lines[after + 1 :])
    raw = data.lstrip(_LEADING) if data is not None else b""
    if not raw.startswith(SIGNED_HEADER.encode()):
        why = "the file's encoding is not the one signed" if data is not None else "no bytes given"
        return ClearSigned(body, None, f"the signature cannot be checked ({why})", trailing)
    return ClearSigned(body, raw, "", trailing)


# -- keys -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A certificate given for checking, read by Sequoia.

    `fingerprint` is the primary key's (upper-case hex); `keys` the (fingerprint, algorithm)
    of the primary key and each subkey; `cert` the Sequoia certificate itself.
    """

    fingerprint: str
    keys: tuple[tuple[str, str], ...]
    user_ids: tuple[str, ...]
    cert: pysequoia.Cert = field(repr=False, compare=False)

    @property
    def key_id(self) -> str:
        """The long key id: the last 16 hex digits of the primary fingerprint."""
        return self.fingerprint[-16:]

    def holds(self, issuer: str) -> str:
        """The fingerprint of this certificate's key that `issuer` (a fingerprint or a key
        id) names, or ""."""
        wanted = issuer.upper()
        for fpr, _algo in self.keys:
            if fpr == wanted or (len(wanted) == 16 and fpr.endswith(wanted)):
                return fpr
        return ""

    def algorithm(self, fingerprint: str) -> str:
        """The algorithm of one of this certificate's keys."""
        return next((algo for fpr, algo in self.keys if fpr == fingerprint.upper()), "")


def _public_key(cert: pysequoia.Cert) -> PublicKey:
    keys = tuple(
        (p.fingerprint.upper(), _name(p.key_algorithm))
        for p in PacketPile.from_bytes(bytes(cert))
        if p.tag in _KEY_TAGS and p.fingerprint
    )
    return PublicKey(cert.fingerprint.upper(), keys, tuple(str(u) for u in cert.user_ids), cert)


def load_public_keys(data: bytes) -> list[PublicKey]:
    """Every certificate in an armoured or binary key block; PgpError when Sequoia cannot
    read it."""
    try:
        with warnings.catch_warnings():
            # a secret key block is read as its certificate; pysequoia warns about that
            warnings.simplefilter("ignore", DeprecationWarning)
            certs = pysequoia.Cert.split_bytes(data)
        return [_public_key(cert) for cert in certs]
    except (RuntimeError, ValueError) as exc:
        raise PgpError(f"Sequoia cannot read it: {_said(exc)}") from exc


# -- the check ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of a signature check: `status` is VERIFIED, FAILED or UNVERIFIED.

    `detail` is the sentence to record; `key` the fingerprint of the key that verified (or
    failed) the signature; `signed_at` the signature's own creation time when it states one;
    `content` the text Sequoia verified (dash-escaping undone), only when VERIFIED.
    """

    status: str
    detail: str
    key: str = ""
    signed_at: datetime | None = None
    content: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class _Sig:
    """What a signature packet states about itself (read by Sequoia, not yet checked)."""

    issuers: tuple[str, ...]
    created: datetime | None
    hash_name: str


def _signatures(data: bytes) -> list[_Sig]:
    out: list[_Sig] = []
    for p in PacketPile.from_bytes(data):
        if p.tag == Tag.Signature:
            out.append(_sig(p))
    return out


def _sig(p: Packet) -> _Sig:
    issuers = tuple(i.upper() for i in (p.issuer_fingerprint, p.issuer_key_id) if i)
    return _Sig(issuers, p.signature_created, _name(p.hash_algorithm))


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment is not None else "an unstated time"


def verify_text(signed: ClearSigned, keys: Sequence[PublicKey]) -> Verdict:
    """Have Sequoia check a clear-signed text against the given keys; never VERIFIED without
    Sequoia's check passing."""
    if not keys:
        return Verdict(UNVERIFIED, "signature not verified: no key given")
    if signed.data is None:
        return Verdict(FAILED, f"signature not verified: {signed.signature_error}")
    try:
        sigs = _signatures(signed.data)
    except (RuntimeError, ValueError) as exc:
        return Verdict(
            FAILED, f"signature not verified: the signature cannot be read ({_said(exc)})"
        )
    if not sigs:
        return Verdict(FAILED, "signature not verified: the signature block holds no signature")
    try:
        result = pysequoia.verify(bytes=signed.data, store=lambda _ids: [k.cert for k in keys])
    except (RuntimeError, ValueError) as exc:
        log.debug("Sequoia did not verify: %s", _said(exc))
        return _why_not(sigs, keys, _said(exc))
    for valid in result.valid_sigs:
        signing = str(valid.signing_key).upper()
        owner = next((k for k in keys if k.holds(signing)), None)
        if owner is None or result.bytes is None:
            continue
        sig = next((s for s in sigs if any(owner.holds(i) == signing for i in s.issuers)), None)
        created = sig.created if sig is not None else None
        via = "" if signing == owner.fingerprint else f" (a subkey of {owner.fingerprint})"
        algo = ", ".join(a for a in (owner.algorithm(signing), sig.hash_name if sig else "") if a)
        return Verdict(
            VERIFIED,
            f"signature verified: made on {_when(created)} by key {signing}{via} ({algo}); "
            "checked by Sequoia-PGP, which found the key valid for signing then "
            "(not expired, not revoked); who holds the key was not checked",
            signing,
            created,
            result.bytes,
        )
    return Verdict(FAILED, "signature not verified: Sequoia named no key of those given")


def _why_not(sigs: Sequence[_Sig], keys: Sequence[PublicKey], said: str) -> Verdict:
    """The verdict when Sequoia found no valid signature, with the likeliest reason."""
    for sig in sigs:
        for key in keys:
            fpr = next((key.holds(i) for i in sig.issuers if key.holds(i)), "")
            if not fpr:
                continue
            if sig.hash_name in _WEAK_HASHES:
                why = f"it uses {sig.hash_name}, a hash Sequoia no longer accepts for signatures"
            elif key.cert.is_revoked:
                why = f"Sequoia did not accept the signature of key {fpr}: the key is revoked"
            elif (
                key.cert.expiration is not None
                and sig.created is not None
                and key.cert.expiration <= sig.created
            ):
                why = (
                    f"Sequoia did not accept the signature of key {fpr}: the key expired on "
                    f"{_when(key.cert.expiration)}, before the signature was made on "
                    f"{_when(sig.created)}"
                )
            else:
                why = (
                    f"the text does not match the signature of key {fpr} (changed after "
                    "signing, or damaged), or the key was not valid for signing then"
                )
            return Verdict(FAILED, f"signature FAILED: {why}", fpr, sig.created)
    issuers = [i for s in sigs for i in s.issuers]
    named = [
        i
        for i in dict.fromkeys(issuers)
        if not any(len(j) > len(i) and j.endswith(i) for j in issuers)
    ]
    if not named:  # damaged, most likely: a signature always names its key
        return Verdict(
            FAILED,
            "signature FAILED: the signature names no key, and Sequoia found it valid for "
            f"none of the keys given ({said})",
        )
    given = ", ".join(k.key_id for k in keys)
    return Verdict(
        UNVERIFIED,
        f"signature not verified: made by key {', '.join(named)}, "
        f"which is not among the keys given ({given})",
    )
