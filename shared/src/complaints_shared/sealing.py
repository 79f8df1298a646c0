"""Crypto-shredding of a complaint's personal data: each complaint gets its own 256-bit data
key; its personal data travels sealed with it (AES-256-GCM, the complaint id as associated
data), and the key is kept only wrapped by a master key (AES key wrap, RFC 3394). Destroying
the wrapped key makes every copy of the sealed value unreadable, the log's included.

`open_sealed` raises `cryptography.exceptions.InvalidTag` for a wrong key, a changed value or
another complaint's id; `unwrap_key` raises `InvalidUnwrap` for a wrong master key.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from .contracts.complaint_events import Sealed

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM's standard nonce, random per sealing (one sealing per data key)

__all__ = [
    "KEY_BYTES",
    "InvalidTag",
    "InvalidUnwrap",
    "Sealed",
    "master_key_from_base64",
    "new_data_key",
    "open_sealed",
    "seal",
    "unwrap_key",
    "wrap_key",
]


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(data_key: bytes, key_id: str, plaintext: bytes) -> Sealed:
    """`plaintext` encrypted with `data_key`, bound to `key_id` (the complaint id)."""
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, key_id.encode())
    return Sealed(key_id=key_id, nonce=_b64(nonce), ciphertext=_b64(ciphertext))


def open_sealed(data_key: bytes, sealed: Sealed) -> bytes:
    """The plaintext; `InvalidTag` if the key, the value or its key id is not the sealed one."""
    try:
        nonce, ciphertext = _unb64(sealed.nonce), _unb64(sealed.ciphertext)
    except (binascii.Error, ValueError) as exc:
        raise InvalidTag("malformed sealed value") from exc
    return AESGCM(data_key).decrypt(nonce, ciphertext, sealed.key_id.encode())


def wrap_key(master_key: bytes, data_key: bytes) -> bytes:
    """The data key wrapped by the master key (AES key wrap: 40 bytes for a 32-byte key)."""
    return aes_key_wrap(master_key, data_key)


def unwrap_key(master_key: bytes, wrapped: bytes) -> bytes:
    """The data key; `InvalidUnwrap` for another master key or a changed value."""
    return aes_key_unwrap(master_key, wrapped)


def master_key_from_base64(value: str) -> bytes:
    """A master key given as base64 of 32 bytes; ValueError otherwise."""
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise ValueError(f"decodes to {len(key)} bytes, not {KEY_BYTES}")
    return key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
