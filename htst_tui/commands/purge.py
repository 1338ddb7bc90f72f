"""`htst purge [--db PATH] [--dry-run] [--yes]`: erase what is past retention (tombstones that sync)."""

from __future__ import annotations

from pathlib import Path

import click

from htst_tui.cli import db_option


@click.command("purge")
@db_option
@click.option("--dry-run", is_flag=True, help="Only list what is past retention; change nothing.")
@click.option("--yes", is_flag=True, help="Erase without asking (for scheduled runs).")
def command(db_path: Path | None, dry_run: bool, yes: bool) -> None:
    """List what is past retention (counts by kind, never names) and, once confirmed, erase it.

    Erased records keep no personal data and become deletions that sync, so the next `htst sync` purges them
    from the central store's merged view and every other device; `htst compact` then removes their earlier
    versions from the store itself. Periods: the retention settings (see README).
    """
    from htst_tui.services.context import open_context
    from htst_tui.services.purge import plan_purge, run_purge

    ctx = open_context(db_path)
    try:
        plan = plan_purge(ctx)
        policy = ctx.settings.retention
        click.echo(f"Retention schedule in force since {policy.effective_from.isoformat()}"
                   f"{' (' + policy.policy_reference + ')' if policy.policy_reference else ''}.")
        if not plan.total:
            click.echo("Nothing is past retention.")
            return
        rows = plan.by_kind()
        width = max(len(r.label) for r in rows)
        click.echo("Past retention:")
        for r in rows:
            click.echo(f"  {r.label:<{width}}  {r.count:>7}")
        click.echo(f"  {'total':<{width}}  {plan.total:>7}")
        if dry_run:
            click.echo("Dry run: nothing was changed.")
            return
        if not yes and not click.confirm(f"Erase these {plan.total} records? This cannot be undone", default=False):
            click.echo("Nothing was changed.")
            return
        result = run_purge(ctx)
    finally:
        ctx.close()
    click.echo(f"Erased {result.total} records (tombstones that sync); cleared {result.drafts_cleared} drafts and "
               f"{result.conflicts_cleared} conflict copies. Run `htst sync` to purge them everywhere, then "
               "`htst compact --target TARGET` to drop their earlier versions from the central store.")
