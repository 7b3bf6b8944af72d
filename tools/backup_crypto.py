"""Encrypting backups to a public key with GnuPG (Debian's gpg): the server that writes backups holds
only the recipient's public key, so a stolen backup, or the server itself, cannot read them; the
private key lives with whoever restores. Public-key rather than a shared passphrase for that reason.

Files are encrypted after the manifest's checksums are taken from the plain files; restore decrypts
into a private temporary folder and checks those checksums as for a plain backup."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.management.base import CommandError

SUFFIX = ".gpg"


def _gpg() -> str:
    found = shutil.which("gpg")
    if not found:
        raise CommandError("gpg is not installed (Debian: apt-get install gnupg)")
    return found


def _run(args: list[str], what: str) -> None:
    result = subprocess.run([_gpg(), "--batch", "--yes", "--quiet", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"gpg could not {what}: {result.stderr.strip()}")


def encrypt(path: Path, recipient: str) -> Path:
    """`path` encrypted to `recipient` as `path.gpg` (mode 0600); the plain file is removed."""
    target = path.with_name(path.name + SUFFIX)
    # trust-model always: the operator chose this key by putting it in the keyring and naming it.
    _run(["--trust-model", "always", "--encrypt", "--recipient", recipient, "--output", str(target), str(path)],
         f"encrypt {path.name} to {recipient}")
    os.chmod(target, 0o600)
    path.unlink()
    return target


def decrypt(encrypted: Path, folder: Path) -> Path:
    """The plain file of `encrypted` in `folder`, named without the .gpg suffix."""
    target = folder / encrypted.name.removesuffix(SUFFIX)
    _run(["--decrypt", "--output", str(target), str(encrypted)], f"decrypt {encrypted.name}")
    return target


def private_folder(parent: Path) -> Path:
    """A temporary folder only this user can read, next to the backup (same disk, same size limits)."""
    return Path(tempfile.mkdtemp(prefix=".restore-", dir=parent))
