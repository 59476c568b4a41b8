"""Encryption at rest of backup archives: AES-256-GCM (``cryptography``), streamed in chunks.

File layout: ``MAGIC`` (8 bytes), a random nonce prefix (8 bytes), then chunks, each a 4-byte
big-endian ciphertext length and the ciphertext (plaintext ≤ 1 MiB + the 16-byte tag). Chunk
``i`` is sealed with nonce ``prefix + i`` and authenticated data ``header + i + last-flag``, so a
re-ordered, dropped, appended or truncated chunk fails to open, and a file cut after a whole
chunk lacks its last-flagged chunk: every one is refused.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"LANYANE1"
CHUNK = 1024 * 1024
KEY_BYTES = 32


class ArchiveCryptoError(Exception):
    """The archive cannot be opened with this key, or was altered or cut short."""


def load_key(path: Path) -> bytes:
    """A 256-bit key from ``path``: 32 raw bytes, or 64 hex digits, or base64 of 32 bytes."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArchiveCryptoError(f"key file {path}: cannot read it ({exc.strerror})") from None
    if len(raw) == KEY_BYTES:
        return raw
    text = raw.strip()
    for decode in (bytes.fromhex, base64.b64decode):
        try:
            key = decode(text.decode("ascii"))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            continue
        if len(key) == KEY_BYTES:
            return key
    raise ArchiveCryptoError(
        f"key file {path}: must hold a 256-bit key (32 raw bytes, 64 hex digits or base64); "
        "make one with lanyan backup keygen FILE"
    )


def new_key_file(path: Path) -> None:
    """Write a fresh random key (64 hex digits), readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(os.urandom(KEY_BYTES).hex() + "\n")


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if last else 0)


def encrypt_file(src: Path, dst: Path, key: bytes) -> None:
    aead = AESGCM(key)
    prefix = os.urandom(8)
    header = MAGIC + prefix
    size = src.stat().st_size
    with src.open("rb") as fin, dst.open("wb") as fout:
        fout.write(header)
        index, done = 0, 0
        while True:
            chunk = fin.read(CHUNK)
            done += len(chunk)
            last = done >= size
            nonce = prefix + struct.pack(">I", index)
            sealed = aead.encrypt(nonce, chunk, _aad(header, index, last))
            fout.write(struct.pack(">I", len(sealed)) + sealed)
            index += 1
            if last:
                return


def decrypt_file(src: Path, dst: Path, key: bytes) -> None:
    """Open ``src`` into ``dst``; raises ArchiveCryptoError naming what failed."""
    aead = AESGCM(key)
    with src.open("rb") as fin, dst.open("wb") as fout:
        header = fin.read(16)
        if len(header) < 16 or not header.startswith(MAGIC):
            raise ArchiveCryptoError("not an encrypted Lanyan archive (bad header)")
        prefix = header[8:]
        index = 0
        while True:
            length = fin.read(4)
            if len(length) < 4:
                raise ArchiveCryptoError(f"encrypted archive is truncated after chunk {index}")
            (n,) = struct.unpack(">I", length)
            if n > CHUNK + 16:
                raise ArchiveCryptoError(f"encrypted chunk {index} has an impossible length")
            sealed = fin.read(n)
            if len(sealed) < n:
                raise ArchiveCryptoError(f"encrypted archive is truncated inside chunk {index}")
            nonce = prefix + struct.pack(">I", index)
            trailing = fin.peek(1)[:1] if hasattr(fin, "peek") else b""
            last = trailing == b""
            try:
                plain = aead.decrypt(nonce, sealed, _aad(header, index, last))
            except InvalidTag:
                if last:
                    raise ArchiveCryptoError(
                        f"chunk {index} does not open: wrong key, or the archive was altered "
                        "or truncated"
                    ) from None
                raise ArchiveCryptoError(
                    f"chunk {index} does not open: wrong key, or the archive was altered"
                ) from None
            fout.write(plain)
            index += 1
            if last:
                return
