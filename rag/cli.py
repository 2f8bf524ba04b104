"""The ``reportbot`` command line. Each command's one-line docstring is its help."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from rag.errors import RagError

F = TypeVar("F", bound=Callable[..., Any])


def _settings() -> Any:
    from rag.settings import Settings

    return Settings()


def _index() -> Any:
    from rag.index import Index

    return Index(_settings())


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def friendly(func: F) -> F:
    """Turn user errors into one line on stderr and a non-zero exit."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RagError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@click.group()
@click.version_option(package_name="reportbot")
def main() -> None:
    """Ask UN meeting reports questions; every answer cites the report's own paragraphs."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Drop the index and build it again from PATHS.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@friendly
def ingest(paths: tuple[Path, ...], rebuild: bool, as_json: bool) -> None:
    """Index report files or folders (default: the corpus folder)."""
    settings = _settings()
    from rag.index import Index

    index = Index(settings)
    targets = list(paths) or [settings.corpus_dir]
    if as_json or not sys.stderr.isatty():
        report = index.ingest(targets, rebuild=rebuild)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.description}"), transient=True,
        ) as bar:
            task = bar.add_task("", total=None)

            def progress(name: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=name)

            report = index.ingest(targets, rebuild=rebuild, progress=progress)
    if as_json:
        _emit_json(report.to_dict())
    else:
        console = _console()
        for f in report.files:
            if f.status == "failed":
                console.print(f"[red]failed[/red]  {f.path}: {f.error}")
            for w in f.warnings:
                console.print(f"[yellow]warning[/yellow] {f.path}: {w}")
        d = report.to_dict()
        console.print(
            f"{d['added']} added, {d['updated']} updated, {d['unchanged']} unchanged, "
            f"{d['failed']} failed; {d['units']} units indexed in {d['seconds']:.1f} s"
        )
    if report.files and report.count("failed") == len(report.files):
        sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@friendly
def docs(as_json: bool) -> None:
    """List the indexed documents with symbol, title, date and paragraph count."""
    infos = sorted(_index().documents().values(), key=lambda d: d.id)
    if as_json:
        _emit_json([d.to_dict() for d in infos])
        return
    if not infos:
        click.echo("No documents indexed yet: run `reportbot ingest`.")
        return
    from rich.table import Table

    table = Table("id", "symbol", "date", "paragraphs", "units", "title")
    table.columns[-1].overflow = "ellipsis"
    table.columns[-1].no_wrap = True
    for d in infos:
        table.add_row(d.id, d.symbol or "—", d.date or "—", str(d.paragraphs),
                      str(d.units), d.title or "—")
    _console().print(table)


@main.command()
@click.argument("doc")
@click.argument("label")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@friendly
def show(doc: str, label: str, as_json: bool) -> None:
    """Print a paragraph verbatim: the text a citation points to."""
    info, unit = _index().unit(doc, label)
    if as_json:
        _emit_json({**unit.to_dict(), "symbol": info.symbol, "title": info.title})
        return
    console = _console()
    console.print(f"[bold]{info.display_name} ¶{unit.label}[/bold]  [dim]{unit.section}[/dim]")
    console.print(unit.text, markup=False)


@main.command()
@click.argument("query")
@click.option("--doc", help="Search only this document (an id from `reportbot docs`).")
@click.option("-k", "k", type=click.IntRange(1, 200), help="How many paragraphs to return.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@friendly
def search(query: str, doc: str | None, k: int | None, as_json: bool) -> None:
    """Find the paragraphs that best match a question, best first."""
    from rag.index import Index
    from rag.retrieve import Query
    from rag.retrieve import search as run_search

    settings = _settings()
    started = time.perf_counter()
    hits = run_search(Index(settings), Query(query, k or settings.retrieval.k, doc),
                      settings.retrieval)
    elapsed = (time.perf_counter() - started) * 1000
    if as_json:
        _emit_json({"query": query, "doc": doc, "took_ms": round(elapsed, 1),
                    "hits": [h.to_dict() for h in hits]})
        return
    console = _console()
    if not hits:
        console.print("No matching paragraphs.")
    for n, h in enumerate(hits, 1):
        where = h.symbol or h.unit.doc
        console.print(f"[bold]{n}. [{where} ¶{h.unit.label}][/bold] "
                      f"[dim]score {h.score:.4f} · {h.unit.section}[/dim]")
        text = h.unit.text if len(h.unit.text) <= 400 else h.unit.text[:400].rstrip() + " …"
        console.print("   " + text.replace("\n", "\n   "), markup=False)


@main.command()
@click.argument("doc")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@friendly
def remove(doc: str, as_json: bool) -> None:
    """Remove a document from the index."""
    info = _index().remove(doc)
    if as_json:
        _emit_json({"removed": info.to_dict()})
    else:
        click.echo(f"Removed {info.id} ({info.units} units).")


if __name__ == "__main__":  # pragma: no cover
    main()
