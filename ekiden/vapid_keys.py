"""The site's VAPID key pair for Web Push (docs/decisions/follow-a-team.md), checked when the
settings are read: a wrong pair would otherwise show only as every notification refused."""

import base64

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def vapid_pair_problem(public: str, private: str) -> str | None:
    """What is wrong with a VAPID key pair (base64url: a P-256 public point, its 32-byte secret)."""
    wrong = "TASUKI_VAPID_PRIVATE_KEY is not a P-256 private key in base64url (32 bytes)"
    try:
        secret = base64.urlsafe_b64decode(private + "=" * (-len(private) % 4))
        key = ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())
    except ValueError:
        return wrong
    if len(secret) != 32:
        return wrong
    derived = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    if base64.urlsafe_b64encode(derived).rstrip(b"=").decode() != public.rstrip("="):
        return "TASUKI_VAPID_PUBLIC_KEY is not the public key of TASUKI_VAPID_PRIVATE_KEY"
    return None
