"""Signing a report's PDF with the organisation's certificate (PAdES baseline B, through pyHanko)."""

from __future__ import annotations

import os
from pathlib import Path

from cchc_flow.models.rules.messages import t


class SigningError(ValueError):
    """The certificate file cannot be read or opened with the passphrase, or the PDF cannot be signed."""


def signed_path(pdf: Path) -> Path:
    """Where the signed copy of ``pdf`` is written: beside it, '.signed.pdf' (the unsigned one stays)."""
    return pdf.with_name(f"{pdf.stem}.signed.pdf")


def sign_pdf(
    pdf: Path, pkcs12: Path, passphrase: bytes | None, *, reason: str, location: str, out: Path | None = None
) -> Path:
    """Sign ``pdf`` with the key and certificate of a PKCS#12 file (.p12/.pfx) as a PAdES signature; returns the
    signed file (mode 0o600). The signature covers the whole file; any later change breaks it."""
    # pyhanko (and its cryptography) load only when a report is signed: the CLI starts without them
    from cryptography.hazmat.primitives.serialization.pkcs12 import load_key_and_certificates
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    out = out or signed_path(pdf)
    if not pdf.is_file():
        raise SigningError(t("sign.no_pdf", path=pdf))
    try:  # opened here first: pyHanko logs a traceback and returns None for a wrong passphrase
        key, _, _ = load_key_and_certificates(pkcs12.read_bytes(), passphrase)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(t("sign.bad_certificate", path=pkcs12, detail=type(exc).__name__)) from None
    signer = signers.SimpleSigner.load_pkcs12(pfx_file=str(pkcs12), passphrase=passphrase) if key else None
    if signer is None:
        raise SigningError(t("sign.bad_certificate", path=pkcs12, detail="PKCS#12"))
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        md_algorithm="sha256",
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    temp = out.with_name(f".{out.name}.tmp")
    with pdf.open("rb") as source:
        writer = IncrementalPdfFileWriter(source, strict=False)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as target:
            signers.sign_pdf(writer, meta, signer=signer, output=target)
    os.replace(temp, out)
    return out
