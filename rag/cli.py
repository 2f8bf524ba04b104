"""The ``reportbot`` command line. Each command's one-line docstring is its help."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from rag.errors import InputError, RagError

if TYPE_CHECKING:
    from rag.types import DocInfo, Unit

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
    rows = [(d.id, d.symbol or "—", d.date or "—", str(d.paragraphs), str(d.units),
             d.title or "—") for d in infos]
    header = ("id", "symbol", "date", "¶", "units", "title")
    if not sys.stdout.isatty():
        # In a pipe: one tab-separated line per document, nothing cut (for cut, grep, awk).
        for row in [header, *rows]:
            click.echo("\t".join(row))
        return
    console = _console()
    lines = _fitted_table(header, rows, console.width, shrink=5, optional=(1, 4))
    console.print(lines[0], style="bold", markup=False)
    for text in lines[1:]:
        console.print(text, markup=False)


def _fitted_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], width: int,
                  shrink: int | None, optional: tuple[int, ...] = ()) -> list[str]:
    """Lay out a table in ``width`` columns without ever cutting an id.

    Ids are what users type into ``--doc``, so every column keeps its full width except
    ``shrink`` (a title), which takes what is left and ends in "…". Where even that
    leaves under 12 characters, the ``optional`` columns are dropped first. With no
    ``shrink`` column nothing is cut (a terminal narrower than the table wraps it).
    """
    keep = list(range(len(header)))
    while True:
        widths = {i: max(len(header[i]), *(len(r[i]) for r in rows)) for i in keep}
        fixed = sum(w for i, w in widths.items() if i != shrink) + 2 * (len(keep) - 1)
        room = width - fixed
        if shrink is None or room >= 12 or not [i for i in optional if i in keep]:
            break
        keep.remove(next(i for i in optional if i in keep))
    if shrink is not None:
        widths[shrink] = max(min(widths[shrink], room), 5)
    numeric = {i for i in keep if all(r[i].replace(" %", "").replace(".", "").isdigit()
                                      or r[i] == "—" for r in rows)}

    def line(cells: tuple[str, ...]) -> str:
        out = []
        for i in keep:
            cell, w = cells[i], widths[i]
            if len(cell) > w:
                cell = cell[: w - 1] + "…"
            out.append(cell.rjust(w) if i in numeric else cell.ljust(w))
        return "  ".join(out).rstrip()

    return [line(header), "  ".join("─" * widths[i] for i in keep), *map(line, rows)]


@main.command()
@click.argument("doc")
@click.argument("label")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@friendly
def show(doc: str, label: str, as_json: bool) -> None:
    """Print a paragraph verbatim: the text a citation points to.

    A long paragraph is indexed in parts ("111", "111 part 2", …): LABEL "111" prints
    the whole paragraph, "111 part 2" that part.
    """
    index = _index()
    info, unit = index.unit(doc, label)
    parts = index.parts(doc, label) if " part " not in unit.label else [unit]
    if as_json:
        _emit_json({**unit.to_dict(), "symbol": info.symbol, "title": info.title,
                    "parts": [u.label for u in parts]})
        return
    _print_unit(_console(), info, parts)


def _print_unit(console: Any, info: DocInfo, parts: list[Unit]) -> None:
    """A unit verbatim under its heading; a paragraph cut into parts, all of them."""
    first = parts[0]
    console.print(f"[bold]{info.display_name} ¶{first.label}[/bold]  [dim]{first.section}[/dim]")
    console.print(" ".join(u.text for u in parts), markup=False)
    if len(parts) > 1:
        console.print(f"[dim]({len(parts)} parts, cited as ¶{parts[0].label} … "
                      f"¶{parts[-1].label})[/dim]")


@main.command()
@click.argument("doc")
@click.option("--json", "as_json", is_flag=True, help="One record per unit, as JSON.")
@friendly
def outline(doc: str, as_json: bool) -> None:
    """Show what the parser made of a document: sections, embedded texts, every unit.

    DOC is an indexed document's id or a report file (parsed, not indexed): check a
    report's structure before trusting answers on it.
    """
    from rag.parse import LARGE_UNIT_CHARS, SUPPORTED_SUFFIXES, parse_file

    path = Path(doc)
    warnings: tuple[str, ...] = ()
    if path.is_file():
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise InputError(f"{path}: unsupported format; supported: "
                             f"{', '.join(SUPPORTED_SUFFIXES)}")
        parsed = parse_file(path)
        name, title, units = parsed.display_name, parsed.title, list(parsed.units)
        warnings = parsed.warnings
    else:
        info, units = _index().units_of(doc)
        name, title = info.display_name, info.title
    rows: list[dict[str, Any]] = [{"label": u.label, "kind": u.kind, "scope": u.scope,
             "section": u.section,
             "chars": len(u.text), "tokens": u.tokens} for u in units]
    if as_json:
        _emit_json(rows)
        return
    click.echo(f"{name}: {title or '(no title)'}")
    kinds: dict[str, int] = {}
    for u in units:
        kinds[u.kind] = kinds.get(u.kind, 0) + 1
    click.echo(f"{len(units)} units: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
    for w in warnings:
        click.echo(f"warning: {w}")
    width = max((len(r["label"]) for r in rows if r["kind"] != "heading"), default=10)
    section = None
    for u, r in zip(units, rows, strict=True):
        if u.kind == "heading" or u.section != section:
            if u.section and u.section != section:
                depth = u.section.count(" > ")
                click.echo(f"{'  ' * depth}§ {u.section.split(' > ')[-1]}")
            section = u.section
            if u.kind == "heading":
                continue
        flag = "  ⚠ large" if r["chars"] > LARGE_UNIT_CHARS else ""
        click.echo(f"    {r['label']:<{width}}  {r['kind']:<12} {r['chars']:>7,}{flag}")


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
                    _print_unit(console, info, answerer.index.parts(target, label)
                                if " part " not in unit.label else [unit])
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


@main.command("eval")
@click.argument("datasets", nargs=-1, type=click.Path(path_type=Path))
@click.option("--dataset", "more", multiple=True, type=click.Path(path_type=Path),
              help="A question set (JSON Lines); repeatable. Default: eval/questions/*.jsonl.")
@click.option("--mode", type=click.Choice(["extractive", "llm"]), help="Answer mode.")
@click.option("--scope", type=click.Choice(["doc", "whole"]), default="doc", show_default=True,
              help="doc: search each question's own report; whole: the whole index.")
@click.option("--corpus", "corpus_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Where to find documents the index lacks (default: corpus/, ../shared/corpus, "
                   "../shared/corpus/more).")
@click.option("--limit", type=int, help="Only the first N questions of each set.")
@click.option("--out", type=click.Path(path_type=Path), help="Write one JSON line per question.")
@click.option("--report", "report_dir", type=click.Path(path_type=Path),
              help="Write report.md and PNG charts into this folder.")
@click.option("--baseline", is_flag=True,
              help="Also run the LangChain tutorial pipeline and compare fact-hit@4.")
@click.option("--gate", type=click.Path(path_type=Path),
              help="Fail (exit 3) when a metric falls below its threshold in this file.")
@click.option("--save-thresholds", type=click.Path(path_type=Path),
              help="Write a thresholds file set just below this run's values.")
@click.option("--margin", type=float, default=0.02, show_default=True,
              help="With --save-thresholds: how far below each measured value (at least one "
                   "question's worth).")
@click.option("--merge", is_flag=True,
              help="With --save-thresholds: keep the looser of the file's thresholds and this "
                   "run's (a second index, e.g. the founding report alone as CI without "
                   "../shared/corpus has it).")
@click.option("--cassette", type=click.Path(path_type=Path, dir_okay=False),
              help="LLM mode with recorded answers (eval/cassettes/*.jsonl) served on "
                   "localhost, not a live model.")
@click.option("--record-prompts", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the exact prompts LLM mode sends for each question (to have a "
                   "capable model answer them once); the run's own answers are refusals.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics object as JSON.")
@friendly
def evaluate(datasets: tuple[Path, ...], more: tuple[Path, ...], mode: str | None, scope: str,
             corpus_dirs: tuple[Path, ...], limit: int | None, out: Path | None,
             report_dir: Path | None, baseline: bool, gate: Path | None,
             save_thresholds: Path | None, margin: float, merge: bool,
             cassette: Path | None, record_prompts: Path | None, as_json: bool) -> None:
    """Measure citation accuracy on question sets: retrieval, citations, facts, refusals."""
    if merge and not save_thresholds:
        raise InputError("--merge needs --save-thresholds FILE: the file to merge into")
    saving = (save_thresholds, margin, merge)
    if cassette or record_prompts:
        from rag.evaluation.replay import Cassette, serving, write_prompts

        if cassette and record_prompts:
            raise InputError("--cassette replays answers, --record-prompts records prompts: "
                             "use one")
        tape = Cassette.load(cassette) if cassette else None
        with serving(tape) as server:
            settings = _settings()
            # A question the cassette lacks is one failed call, not a failing endpoint:
            # the circuit breaker must not answer the following ones extractively.
            llm = settings.llm.model_copy(update={"base_url": server.url,
                                                  "model": "recorded-answers",
                                                  "breaker_failures": 10**9})
            replayed = settings.model_copy(update={"llm": llm})
            planted = {k: r["planted"] for k, r in tape.answers.items() if r.get("planted")} \
                if tape else None
            _evaluate(datasets, more, "llm", scope, corpus_dirs, limit, out, report_dir,
                      baseline, gate, saving, as_json, replayed, planted or None)
        if record_prompts:
            questions = _questions(datasets, more)
            if limit is not None:
                questions = questions[:limit]
            n = write_prompts(record_prompts, server.recorded, [q.id for q in questions])
            click.echo(f"{n} prompts written to {record_prompts}", err=True)
        else:
            click.echo(f"recorded answers (cassette {tape.header.get('cassette') if tape else ''},"
                       f" not a live model): {server.served} served, {server.missing} "
                       f"questions without one, {server.drifted} prompts changed since "
                       "recording", err=True)
        return
    _evaluate(datasets, more, mode, scope, corpus_dirs, limit, out, report_dir, baseline,
              gate, saving, as_json, None)


def _questions(datasets: tuple[Path, ...], more: tuple[Path, ...]) -> list[Any]:
    from rag.evaluation.questions import load_questions
    from rag.settings import PROJECT_ROOT

    files = list(datasets) + list(more) or sorted((PROJECT_ROOT / "eval/questions").glob("*.jsonl"))
    return load_questions(files)


def _evaluate(datasets: tuple[Path, ...], more: tuple[Path, ...], mode: str | None, scope: str,
              corpus_dirs: tuple[Path, ...], limit: int | None, out: Path | None,
              report_dir: Path | None, baseline: bool, gate: Path | None,
              saving: tuple[Path | None, float, bool], as_json: bool, given: Any,
              planted: dict[str, Any] | None = None) -> None:
    from rag.evaluation import gate as gates
    from rag.evaluation.runner import evaluate as run_eval
    from rag.evaluation.runner import load_datasets
    from rag.settings import PROJECT_ROOT

    settings = given or _settings()
    files = list(datasets) + list(more) or sorted((PROJECT_ROOT / "eval/questions").glob("*.jsonl"))
    for f in files:
        if not f.is_file():
            raise InputError(f"no question set at {f}")
    sets = load_datasets(files)
    if limit is not None:
        sets = {k: v[:limit] for k, v in sets.items()}
    spec = gates.load(gate) if gate else None
    shared = PROJECT_ROOT.parent / "shared" / "corpus"
    # more/ holds the other kinds of UN document (heldout7, heldout8): without it their
    # questions were skipped and "the whole index" was 11 documents, not 20.
    dirs = list(corpus_dirs) or [settings.corpus_dir, shared, shared / "more"]
    from rag.answer import Answerer

    answerer = Answerer(settings)
    if spec is not None:
        gates.check_setup(spec, answerer.resolve_mode(mode), scope)
    console = _console()
    progress = None
    bar = None
    if not as_json and sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        bar = Progress(TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(),
                       transient=True)
        bar.start()
        task = bar.add_task("", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
    try:
        run = run_eval(answerer, sets, mode=mode, scope=scope,  # type: ignore[arg-type]
                       corpus_dirs=dirs, progress=progress, planted=planted)
    finally:
        if bar is not None:
            bar.stop()
    if not run.records:
        raise InputError("none of the questions' documents could be found; "
                         "pass --corpus DIR or ingest them first")
    if baseline:
        _run_baseline(run, answerer, dirs, None if as_json else console)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            for r in run.records.values():
                fh.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
    report_path = None
    if report_dir:
        from rag.evaluation import report

        report_path = report.write(run, report_dir)
    save_thresholds, margin, merge = saving
    if save_thresholds:
        proposed = gates.propose(run, margin)
        if merge and save_thresholds.exists():
            proposed = gates.merge(gates.load(save_thresholds), proposed)
        save_thresholds.write_text(json.dumps(proposed, indent=2) + "\n", encoding="utf-8")
    failures: list[str] = []
    if spec is not None:
        failures, absent = gates.check(run, spec)
    if as_json:
        data = run.to_dict()
        if spec is not None:
            data["gate"] = {"file": str(gate), "failures": failures, "not_covered": absent}
        _emit_json(data)
    else:
        _print_eval(run, console)
        if out:
            console.print(f"answers: {out}")
        if report_path:
            console.print(f"report: {report_path}")
        if save_thresholds:
            console.print(f"thresholds: {save_thresholds}")
        if spec is not None:
            for g in absent:
                console.print(f"[yellow]gate:[/yellow] {g} not covered by this run (skipped)")
            console.print("[green]gate: passed[/green]" if not failures else
                          "[red]gate: failed[/red]\n  " + "\n  ".join(failures))
    if failures:
        sys.exit(3)


def _run_baseline(run: Any, answerer: Any, dirs: list[Path], console: Any) -> None:
    """fact-hit@4 for us and for the LangChain tutorial pipeline, into ``run.baseline``."""
    from rag.evaluation import baseline
    from rag.evaluation.runner import find_document

    questions = [q for _, q in run.questions()]
    files = [p for d in sorted({q.doc for q in questions})
             if (p := find_document(d, dirs)) is not None and p.suffix in (".txt", ".md")]
    names = {p.stem for p in files}
    questions = [q for q in questions if q.doc in names]
    index = answerer.index
    ours = {}
    for q in questions:
        if q.answerable and q.facts:
            top = run.records[q.id].retrieved[: baseline.TOP]
            ours[q.id] = baseline.fact_hit(q, [index.unit(h["doc"], h["label"])[1].text
                                               for h in top])
    note = console.print if console is not None else None
    theirs = baseline.langchain_tutorial(files, questions, run.scope == "doc", note)
    both = baseline.compare(ours, theirs)
    run.baseline = {"n": both["reportbot"].n, "fact_hit@4": {k: m._asdict() for k, m in
                                                              both.items()}}


def _print_eval(run: Any, console: Any) -> None:
    from rich import box
    from rich.table import Table

    from rag.evaluation import report
    from rag.evaluation.metrics import Metric, label

    groups = report.summary_groups(run)

    def summary(with_ci: bool) -> Any:
        title = (f"mode {run.mode}, scope {run.scope}, {len(run.records)} questions"
                 + (" (95 % CI)" if with_ci else " (--json or --report for the 95 % CIs)"))
        table = Table(title=title, box=box.SIMPLE_HEAD)
        table.add_column("metric", no_wrap=True)
        for g in groups:
            table.add_column(g, justify="right", no_wrap=True)
        for name in report.SUMMARY:
            if name in report.OPTIONAL and not any(name in run.metrics[g] for g in groups):
                continue
            cells = [report.fmt(run.metrics[g].get(name), report.is_pct(name)) for g in groups]
            table.add_row(label(name), *(c if with_ci else c.split(" [")[0] for c in cells))
        return table

    # The CIs double each cell's width: in a narrow terminal show the values alone
    # rather than let every cell wrap onto two lines.
    table = summary(with_ci=True)
    if table.__rich_measure__(console, console.options.update_width(10_000)).maximum \
            > console.width:
        table = summary(with_ci=False)
    console.print(table)
    # Per document: the full id, never cut (it is what --doc takes), short headers.
    short = {"gold_hit": "gold-hit", "fact_recall": "facts", "citation_precision": "prec.",
             "recall@5": "r@5", "refusal_accuracy": "unans."}
    rows = []
    for g, ms in run.metrics.items():
        if g.startswith("doc:"):
            n = sum(1 for _, q in run.questions() if q.doc == g[4:])
            rows.append((g[4:], str(n),
                         *[report.fmt(ms.get(k)).split(" [")[0] for k in report.PER_DOC]))
    if rows:
        header = ("document", "n", *(short.get(k, k) for k in report.PER_DOC))
        console.print("per document (unans. = unanswerable refused)", style="italic")
        for text in _fitted_table(header, rows, console.width, shrink=None):
            console.print(text, markup=False)
    if run.skipped:
        console.print("[yellow]skipped[/yellow] (document not found): "
                      + ", ".join(f"{d} ({n})" for d, n in run.skipped.items()))
    if run.baseline:
        for name, m in run.baseline["fact_hit@4"].items():
            console.print(f"fact-hit@4  {name:20s} {report.fmt(Metric(**m))}")


@main.command()
@click.option("--webhook", "webhook_url", metavar="URL",
              help="Webhook mode: Telegram posts updates to URL (default: long polling).")
@click.option("-v", "--verbose", is_flag=True, help="Log every update handled.")
@friendly
def bot(webhook_url: str | None, verbose: bool) -> None:
    """Run the Telegram bot (RAG_TELEGRAM_TOKEN; RAG_TELEGRAM_BASE_URL for a local Bot API)."""
    import logging

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Bot API call otherwise
    from bot import run as run_bot
    from bot.app import install_redaction

    settings = _settings()
    install_redaction(settings)  # the token is in every Bot API URL: never log it
    run_bot(settings, webhook_url)


@main.command()
@click.option("--unanswered", is_flag=True, help="Only refused or disliked (👎) answers.")
@click.option("--denied", is_flag=True, help="Refused access attempts instead of answers.")
@click.option("-n", "--limit", default=50, show_default=True, help="How many, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@friendly
def logs(unanswered: bool, denied: bool, limit: int, as_json: bool) -> None:
    """What delegates asked the bot: answers, refusals, 👍/👎 (what to improve)."""
    from rich.markup import escape

    from bot.state import BotState

    settings = _settings()
    if not settings.bot_db_path.exists():
        raise InputError(f"no bot log at {settings.bot_db_path}: the bot has not run "
                         "with this RAG_HOME")
    state = BotState(settings.bot_db_path)
    if denied:
        rows = state.denied()[:limit]
        if as_json:
            _emit_json([{"who": r.who, "attempts": r.attempts,
                         "last": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r.last))}
                        for r in rows])
            return
        for r in rows:
            click.echo(f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime(r.last))}  "
                       f"{r.attempts:4d}×  {r.who}")
        return
    answers = state.answers(unanswered=unanswered, limit=limit)
    if as_json:
        _emit_json([a.to_dict() for a in answers])
        return
    console = _console()
    if not answers:
        console.print("No refused or disliked answers." if unanswered else "Nothing logged yet.")
    for a in answers:
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(a.at))
        who = f"@{a.username}" if a.username else str(a.user_id or "?")
        status = ("[red]refused[/red]" if a.refused else
                  escape(", ".join(c["label"] for c in a.citations) or "no citations"))
        vote = {1: " 👍", -1: " 👎"}.get((a.feedback > 0) - (a.feedback < 0), "")
        console.print(f"[dim]{when}[/dim] {escape(who)}: [bold]{escape(a.question)}[/bold] → "
                      f"{status}{vote}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
def doctor(as_json: bool) -> None:
    """Check the set-up, one line per component; exit 1 if anything configured fails."""
    from rag.doctor import run_checks

    try:
        settings = _settings()
    except Exception as exc:  # a malformed RAG_* value: the one thing doctor cannot check past
        click.echo(f"Error: the settings do not load: {str(exc).splitlines()[0]}", err=True)
        sys.exit(1)
    checks = run_checks(settings)
    failed = [c for c in checks if c.status == "fail"]
    if as_json:
        _emit_json({"ok": not failed, "checks": [c.to_dict() for c in checks]})
    else:
        mark = {"ok": "ok  ", "fail": "FAIL", "skip": "--  "}
        width = max(len(c.name) for c in checks)
        for c in checks:
            line = f"{mark[c.status]} {c.name:<{width}}  {c.detail}"
            click.echo(line + (f"\n     {'':<{width}}  fix: {c.fix}" if c.fix else ""))
        click.echo(f"{len(failed)} of {len(checks)} checks failed." if failed else
                   "Everything configured works.")
    if failed:
        sys.exit(1)


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
