"""Reading an accepted message: the headers the space acts on, MIME defects, the IHE XDM attachment and
the checks of the MSSanté headers (Réf #2 §3.8: ``X-MSS-CODECDA``, ``X-MSS-INS``, ``X-MSS-NIL``).

The sandbox's convention for ``INVISIBLE_PATIENT``: a document carries it in its XDM metadata, as the DMP's
confidentialityCode (``INVISIBLE_PATIENT`` in ``METADATA.XML``), the same code a DMP deposit uses. A message
whose XDM carries it is never delivered to a patient mailbox.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from email import errors as email_errors
from email.header import Header, decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses
from typing import Final

FATAL_DEFECTS: Final = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.CloseBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.InvalidMultipartContentTransferEncodingDefect,
    email_errors.MissingHeaderBodySeparatorDefect,
)
"""Defects that make the MIME structure unreadable: the message is refused (550 5.6.0)."""

INVISIBLE_PATIENT: Final = "INVISIBLE_PATIENT"
_INS_IN_METADATA = re.compile(r"([0-9AB]{15})\^\^\^&(?:amp;)?(1\.2\.250\.1\.213\.1\.4\.(?:8|9|10|11))")
"""A qualified INS in XDS metadata (sourcePatientId / patientId, a CX ``<INS>^^^&<OID>&ISO``)."""
_PARSER = BytesParser(policy=compat32)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Xdm:
    """What the IHE XDM archive's METADATA.XML says (None when there is no such archive)."""

    ins: frozenset[str]
    invisible_patient: bool
    readable: bool = True


@dataclass(frozen=True, slots=True)
class Inspected:
    subject: str
    from_addresses: tuple[str, ...]
    message_id: str | None
    has_date: bool
    mes: str | None
    defect: str | None
    xdm: Xdm | None
    headers: dict[str, str] = field(default_factory=dict)


def _text(value: str | Header | None) -> str | None:
    """A header as text: RFC 2047 encoded words decoded, raw UTF-8 (SMTPUTF8, RFC 6532) read as such."""
    if value is None:
        return None
    if isinstance(value, Header):
        parts = []
        for chunk, charset in decode_header(value):
            if isinstance(chunk, bytes):
                encoding = "utf-8" if charset in (None, "unknown-8bit") else charset
                try:
                    parts.append(chunk.decode(encoding, "replace"))
                except LookupError:
                    parts.append(chunk.decode("utf-8", "replace"))
            else:
                parts.append(chunk)
        return "".join(parts)
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (email_errors.HeaderParseError, UnicodeError, LookupError):
        return value


def _zip_metadata(data: bytes) -> Xdm | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return None
    metadata = [n for n in names if n.upper().endswith("METADATA.XML")]
    if not any(n.upper().startswith("IHE_XDM/") for n in names) or not metadata:
        return None
    try:
        text = "\n".join(archive.read(n).decode("utf-8", "replace") for n in metadata)
    except (zipfile.BadZipFile, OSError, ValueError):
        return Xdm(frozenset(), False, readable=False)
    ins = {m.group(1) for m in _INS_IN_METADATA.finditer(text)}
    return Xdm(frozenset(ins), INVISIBLE_PATIENT in text)


def _xdm(message: Message) -> Xdm | None:
    """The first IHE XDM archive attached (a ZIP with ``IHE_XDM/.../METADATA.XML``)."""
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = (part.get_filename() or "").lower()
        if part.get_content_type() not in ("application/zip", "application/octet-stream") and not (
            filename.endswith(".zip")
        ):
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            found = _zip_metadata(payload)
            if found is not None:
                return found
    return None


def inspect(raw: bytes) -> Inspected:
    """Parse ``raw`` (RFC 5322 / MIME); never raises: defects are reported."""
    message = _PARSER.parsebytes(raw)
    defect = None
    for part in message.walk():
        for found in part.defects:
            if isinstance(found, FATAL_DEFECTS):
                defect = type(found).__name__
                break
        if defect:
            break
    from_header = message.get_all("From") or []
    addresses = tuple(a.lower() for _, a in getaddresses([str(h) for h in from_header]) if a)
    xdm = _xdm(message) if message.is_multipart() and defect is None else None
    mss = {name: str(message[name]).strip() for name in ("X-MSS-CODECDA", "X-MSS-INS", "X-MSS-NIL")}
    return Inspected(
        subject=_text(message.get("Subject")) or "",
        from_addresses=addresses,
        message_id=message.get("Message-ID"),
        has_date=message.get("Date") is not None,
        mes=message.get("X-MSS-MES"),
        defect=defect,
        xdm=xdm,
        headers={k: v for k, v in mss.items() if message.get(k) is not None},
    )


def findings(inspected: Inspected, patient_ins: str | None) -> list[Finding]:
    """The checks of the MSSanté headers against the message (MSSanté Réf #2 §3.8): ``X-MSS-NIL`` on
    every message; ``X-MSS-CODECDA`` exactly when an IHE XDM archive is attached; ``X-MSS-INS`` O or N,
    O only with a qualified INS in the XDM, coherent with the patient mailbox the message goes to."""
    out: list[Finding] = []
    headers = inspected.headers
    xdm = inspected.xdm
    if "X-MSS-NIL" not in headers or not headers["X-MSS-NIL"]:
        out.append(Finding("x-mss-nil-missing", "X-MSS-NIL (the software's referencing number) is required"))
    if xdm is not None and not xdm.readable:
        out.append(Finding("xdm-unreadable", "the IHE XDM archive's METADATA.XML cannot be read"))
    codecda = headers.get("X-MSS-CODECDA")
    if xdm is not None and not codecda:
        out.append(
            Finding("x-mss-codecda-missing", "an IHE XDM archive is attached but X-MSS-CODECDA is absent")
        )
    if xdm is None and codecda:
        out.append(
            Finding("x-mss-codecda-without-xdm", "X-MSS-CODECDA is given but no IHE XDM archive is attached")
        )
    ins_flag = headers.get("X-MSS-INS")
    if ins_flag is None:
        if xdm is not None:
            out.append(Finding("x-mss-ins-missing", "an IHE XDM archive is attached but X-MSS-INS is absent"))
    elif ins_flag not in ("O", "N"):
        out.append(Finding("x-mss-ins-invalid", f"X-MSS-INS must be O or N, not {ins_flag[:20]!r}"))
    elif ins_flag == "O":
        if xdm is None:
            out.append(Finding("x-mss-ins-without-xdm", "X-MSS-INS: O but no IHE XDM archive is attached"))
        elif not xdm.ins:
            out.append(
                Finding("x-mss-ins-not-found", "X-MSS-INS: O but the XDM metadata carry no qualified INS")
            )
    elif ins_flag == "N" and xdm is not None and xdm.ins:
        out.append(Finding("x-mss-ins-incoherent", "X-MSS-INS: N but the XDM metadata carry a qualified INS"))
    if patient_ins is not None and xdm is not None and xdm.ins and patient_ins not in xdm.ins:
        out.append(
            Finding("ins-mismatch", f"the XDM's INS is not the INS of the patient mailbox ({patient_ins})")
        )
    return out
