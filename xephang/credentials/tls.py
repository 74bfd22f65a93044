"""The center's own certificate authority and the Mosquitto server certificate it signs.

Devices trust only this CA (their `ca.crt`), so a device on the LAN knows it talks to the center's
Mosquitto and nobody can read its password on the wire. Both are kept across runs; the server
certificate is issued again only when its names change or it nears its end.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from xephang.credentials.secrets_files import write_public, write_secret

CA_YEARS = 20  # a center's devices are installed once; the CA outlives them
SERVER_DAYS = 3 * 365
RENEW_BEFORE = timedelta(days=60)  # running `xephang credentials` this close to the end renews it


@dataclass(frozen=True)
class Authority:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def load_or_make_authority(folder: Path, site_id: str) -> Authority:
    cert_path, key_path = folder / "ca.crt", folder / "ca.key"
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey), f"{key_path}: not an EC key"
        return Authority(x509.load_pem_x509_certificate(cert_path.read_bytes()), key)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"xephang CA {site_id}")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    authority = Authority(certificate, key)
    write_secret(key_path, _key_pem(key))
    write_public(cert_path, authority.pem)
    return authority


def ensure_server_certificate(authority: Authority, cert_path: Path, key_path: Path,
                              names: list[str]) -> bool:
    """Issue the server certificate unless a valid one for exactly `names` exists; True if issued."""
    if cert_path.exists() and key_path.exists() and _still_good(authority, cert_path, names):
        return False
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(authority.certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            authority.key.public_key()), critical=False)
        .sign(authority.key, hashes.SHA256())
    )
    write_secret(key_path, _key_pem(key))
    write_public(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    return True


def _still_good(authority: Authority, cert_path: Path, names: list[str]) -> bool:
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    try:
        certificate.verify_directly_issued_by(authority.certificate)
        present = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    wanted = {_general_name(n) for n in names}
    fresh = certificate.not_valid_after_utc - datetime.now(UTC) > RENEW_BEFORE
    return fresh and set(present) == wanted


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _key_usage(*, signs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=not signs, key_cert_sign=signs, crl_sign=signs,
        encipher_only=False, decipher_only=False,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
