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


def _answerer() -> Any:
    from rag.answer import Answerer

    return Answerer(_settings())


def _print_answer(answer: Any, console: Any) -> None:
    """The answer, then a numbered source list a delegate can check."""
    from rag.answer.cite import marker

    console.print(answer.answer, markup=False)
    multi = len({c.doc for c in answer.citations}) > 1
    if answer.citations:
        console.print("\n[bold]Sources[/bold]")
    for n, c in enumerate(answer.citations, 1):
        where = c.symbol or c.doc
        tag = marker(c.doc, c.label, c.symbol, multi)
        first = " ".join(c.text.split()[:14])
        console.print(f" {n}. {tag} {where} — {first}…", markup=False, end="")
        console.print("" if c.verified else "  [red](not verified)[/red]")
    for note in answer.notes:
        console.print(f"[yellow]note:[/yellow] {note}", markup=True, style=None)


@main.command()
@click.argument("question")
@click.option("--doc", help="Answer from this document only (an id from `reportbot docs`).")
@click.option("--mode", type=click.Choice(["extractive", "llm"]),
              help="extractive (offline) or llm (RAG_LLM_BASE_URL); default: RAG_ANSWER__MODE.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer record as JSON.")
@friendly
def ask(question: str, doc: str | None, mode: str | None, as_json: bool) -> None:
    """Answer a question; every sentence cites the paragraph it comes from."""
    answerer = _answerer()
    stream = None
    if not as_json and sys.stderr.isatty() and answerer.resolve_mode(mode) == "llm":
        def stream(piece: str) -> None:  # the draft as it is written; the checked answer follows
            click.echo(click.style(piece, dim=True), err=True, nl=False)
    answer = answerer.ask(question, doc=doc, mode=mode, on_token=stream)
    if stream is not None:
        click.echo("", err=True)
    if as_json:
        _emit_json(answer.to_dict())
        return
    _print_answer(answer, _console())


_CHAT_HELP = """Commands: /sources (the paragraphs behind the last answer),
/show LABEL (one verbatim), /doc ID (answer from one report; /doc all to reset),
/reset (forget the conversation), /quit."""


@main.command()
@click.option("--doc", help="Start scoped to this document.")
@click.option("--mode", type=click.Choice(["extractive", "llm"]), help="Answer mode.")
@friendly
def chat(doc: str | None, mode: str | None) -> None:
    """Ask questions in a conversation: follow-ups like "and Brazil?" keep the context."""
    from rag.answer.cite import marker

    answerer = _answerer()
    console = _console()
    history: list[str] = []
    last: Any = None
    console.print(_CHAT_HELP, markup=False)
    while True:
        try:
            line = click.prompt("?", prompt_suffix=" ", default="", show_default=False).strip()
        except (EOFError, click.Abort):
            break
        if not line:
            continue
        try:
            if line in ("/quit", "/exit"):
                break
            if line == "/reset":
                history.clear()
                last = None
                console.print("Conversation forgotten.")
            elif line == "/help":
                console.print(_CHAT_HELP, markup=False)
            elif line.startswith("/doc"):
                arg = line[4:].strip()
                if not arg:
                    console.print(f"Scope: {doc or 'all reports'}")
                elif arg == "all":
                    doc = None
                    console.print("Answering from all reports.")
                else:
                    docs = answerer.index.documents()
                    if arg not in docs:
                        from rag.errors import UnknownDocument

                        raise UnknownDocument(arg, docs)
                    doc = arg
                    console.print(f"Answering from {docs[arg].display_name} only.")
            elif line == "/sources":
                if last is None:
                    console.print("No answer yet.")
                for n, h in enumerate(last.retrieved if last else [], 1):
                    tag = marker(h.unit.doc, h.unit.label, h.symbol, True)
                    console.print(f" {n}. {tag} — "
                                  f"{' '.join(h.unit.text.split()[:14])}…", markup=False)
            elif line.startswith("/show"):
                label = line[5:].strip()
                target = doc or _doc_for_label(last, label)
                if not label or target is None:
                    console.print("Usage: /show LABEL (after an answer, or with /doc ID set)")
                else:
                    info, unit = answerer.index.unit(target, label)
                    console.print(f"[bold]{info.display_name} ¶{unit.label}[/bold] "
                                  f"[dim]{unit.section}[/dim]")
                    console.print(unit.text, markup=False)
            elif line.startswith("/"):
                console.print(f"Unknown command {line.split()[0]}. {_CHAT_HELP}", markup=False)
            else:
                last = answerer.ask(line, doc=doc, mode=mode, history=history)
                history.append(last.standalone or line)
                if last.standalone:
                    console.print(f"[dim](understood as: {last.standalone})[/dim]")
                _print_answer(last, console)
        except RagError as exc:
            console.print(f"[red]Error:[/red] {exc}", markup=True)


def _doc_for_label(last: Any, label: str) -> str | None:
    """The document of the last answer's paragraph with this label."""
    if last is None:
        return None
    for h in last.retrieved:
        if h.unit.label.lower() == label.lower():
            return str(h.unit.doc)
    return str(last.retrieved[0].unit.doc) if last.retrieved else None


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
