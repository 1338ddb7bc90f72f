"""`htst report (--from TARGET | --db PATH) --to FILE [--period A..B] [--key KEYFILE]`: the committee summary."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from htst_tui.cli import db_option


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[dt.date, dt.date] | None:
    from htst_tui.domain.reporting import parse_period

    if value is None:
        return None
    try:
        return parse_period(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _output(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    from htst_tui.services.report_render import FORMATS

    if value.suffix.lower() not in FORMATS:
        raise click.BadParameter(f"{value.name}: end the file name with .md, .html or .xlsx (the format follows it).")
    return value


@click.command("report")
@click.option("--from", "source", default=None, metavar="TARGET", help="A sync folder or a PostgreSQL URL.")
@db_option
@click.option("--to", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), callback=_output,
              help="The report file: .md (to paste into a paper), .html (with charts) or .xlsx (with charts).")
@click.option("--period", callback=_period, default=None, metavar="A..B",
              help="Dates from..to, e.g. 2026-09-01..2026-12-31 [default: the six months to today].")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The council's private key, to read encrypted bundles (with --from).")
@click.pass_context
def command(ctx: click.Context, source: str | None, db_path: Path | None, out: Path,
            period: tuple[dt.date, dt.date] | None, key_path: Path | None) -> None:
    """The committee summary: incidents, spot checks, the Transport Panel, route returns and open follow-ups.

    Tables about children are disclosure-controlled (counts from 1 to 4 shown as <5, with secondary
    suppression). From a sync TARGET the store is read into a throwaway database; the read-out is logged in
    this device's database.
    """
    from htst_tui.domain.reporting import default_period
    from htst_tui.services.context import open_context
    from htst_tui.services.report_render import write_report
    from htst_tui.services.reports import build_report, build_report_from_target

    explicit_db = ctx.get_parameter_source("db_path") == click.core.ParameterSource.COMMANDLINE
    if source and explicit_db:
        raise click.UsageError("Give either --from TARGET or --db PATH, not both.")
    if key_path and not source:
        raise click.UsageError("--key reads encrypted bundles: use it with --from TARGET.")
    start, end = period or default_period(dt.date.today())
    local = open_context(db_path)
    try:
        if source:
            report = build_report_from_target(source, start, end, settings_from=local, key_path=key_path)
        else:
            report = build_report(local, start, end)
        write_report(local, report, out)
    finally:
        local.close()
    click.echo(f"wrote {out} ({report.period_label})")
    for rejection in report.rejected:
        click.echo(f"rejected: {rejection}", err=True)
    if report.rejected:
        sys.exit(1)
