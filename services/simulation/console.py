"""What ``gridfusion simulate`` shows: a progress bar while it sends, a summary at the end."""

from __future__ import annotations

import asyncio
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .run import Summary, simulate

COLUMNS = ("sent", "accepted", "duplicate", "refused", "failed")


def simulate_with_progress(*, console: Console, **options: Any) -> Summary:
    """:func:`services.simulation.run.simulate` with a progress bar on ``console``: of the events
    sent (``count``) or of the time (``duration``), with the counts and the rate accepted."""
    count, duration = options.get("count"), options.get("duration")
    columns = (
        TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
        TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("simulating", total=count if count is not None else duration, counts="")

        def show(summary: Summary) -> None:
            total = summary.total
            done = total.sent if count is not None else min(summary.seconds, duration or 0.0)
            counts = (f"sent {total.sent:,} · accepted {total.accepted:,} · "
                      f"{summary.per_second('sent'):,.0f} sent/s · {summary.per_second('accepted'):,.0f} accepted/s")
            progress.update(task, completed=done, counts=counts)

        return asyncio.run(simulate(on_progress=show, **options))


def summary_table(summary: Summary) -> Table:
    """Per department and in all: sent, accepted, duplicate, refused, failed."""
    table = Table(title="Events per department", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("department", no_wrap=True)
    for name in COLUMNS:
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    for department, tally in summary.departments.items():
        table.add_row(department, *(f"{getattr(tally, name):,}" for name in COLUMNS))
    total = summary.total
    table.add_row("all", *(f"{getattr(total, name):,}" for name in COLUMNS), style="bold", end_section=True)
    return table


def print_summary(console: Console, summary: Summary) -> None:
    console.print(summary_table(summary))
    total = summary.total
    console.print(f"{total.sent:,} events in {summary.seconds:.1f} s: {summary.per_second('sent'):,.1f} sent/s, "
                  f"{summary.per_second('accepted'):,.1f} accepted/s")
    if summary.retries:
        why = ", ".join(f"{reason} ×{n}" for reason, n in summary.retries.most_common())
        console.print(f"batches sent again: {sum(summary.retries.values())} ({why}); the events of a batch "
                      "whose answer was lost are answered duplicate the second time", highlight=False)
    for title, notes in (("refused", summary.refusals), ("failed", summary.failures)):
        if notes:
            console.print(f"[bold red]{title}[/] (the first {len(notes)}):")
            for note in notes:
                console.print(f"  {note}", markup=False, highlight=False)
