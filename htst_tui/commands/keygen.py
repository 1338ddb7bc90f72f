"""`htst keygen --to DIR`: the council's key pair for encrypted bundles (private key file 0600)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("keygen")
@click.option("--to", "folder", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the key pair (created 0700).")
def command(folder: Path) -> None:
    """Make an X25519 key pair: devices get the public key; keep the private key safe (export reads with it)."""
    from htst_tui.sync.crypto import generate_key_pair

    private, public = generate_key_pair(folder)
    click.echo(f"Private key: {private} (keep it safe; `htst export --key` reads bundles with it)")
    click.echo(f"Public key:  {public} (set sync.public_key_path to it on every device)")
