"""The ``rag`` command: ingest, search, ask, manage documents, serve the chat.

Heavy libraries are imported inside the commands so that ``rag --help`` is instant.
Errors become a message on stderr and an exit code: 1 for failures, 2 for usage.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from core.settings import Settings
    from rag.answers import Turn
    from rag.library import Library

app = typer.Typer(
    help="Ask questions of your articles and documents, with citations. Offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
docs_app = typer.Typer(help="List and remove stored documents.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
users_app = typer.Typer(
    help="The users of a team instance and the collections each may read and write.",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")
feedback_app = typer.Typer(help="Thumbs up or down given in the chat window.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")
conversations_app = typer.Typer(help="The chat window's saved conversations.", no_args_is_help=True)
app.add_typer(conversations_app, name="conversations")
collections_app = typer.Typer(help="The collections documents are kept in.", no_args_is_help=True)
app.add_typer(collections_app, name="collections")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DocOption = Annotated[
    list[str] | None, typer.Option("--doc", help="Only these document ids (repeatable).")
]
SourceOption = Annotated[
    list[str] | None, typer.Option("--source", help="Only documents from this source.")
]
CollectionOption = Annotated[
    list[str] | None,
    typer.Option("--collection", help="Only documents of this collection (repeatable)."),
]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise typer.BadParameter(f"{text!r} is not a date; write it as YYYY-MM-DD") from e


SinceOption = Annotated[
    date | None,
    typer.Option("--since", parser=_day, help="Only documents dated on or after YYYY-MM-DD."),
]
UntilOption = Annotated[
    date | None,
    typer.Option("--until", parser=_day, help="Only documents dated on or before YYYY-MM-DD."),
]


def _filter(
    docs: list[str] | None,
    sources: list[str] | None,
    since: date | None,
    until: date | None,
    collections: list[str] | None = None,
) -> Any:
    from rag.retrieval import SearchFilter

    return SearchFilter(
        doc_ids=frozenset(docs) if docs else None,
        sources=frozenset(sources) if sources else None,
        date_from=since,
        date_to=until,
        collections=_collections(collections),
    )


def _collections(names: list[str] | None) -> frozenset[str] | None:
    from core.errors import UsageError
    from rag.access import check_collection

    if not names:
        return None
    try:
        return frozenset(check_collection(n) for n in names)
    except UsageError as e:
        raise typer.BadParameter(str(e)) from e


def _settings() -> Settings:
    from pydantic import ValidationError

    from core.settings import Settings

    try:
        return Settings()
    except ValidationError as e:
        problems = "; ".join(
            f"RAG_{'_'.join(map(str, err['loc'])).upper()}: {err['msg']}" for err in e.errors()
        )
        typer.echo(f"error: invalid settings: {problems}", err=True)
        raise typer.Exit(2) from e


@contextmanager
def _exit_codes() -> Iterator[None]:
    """Our errors as the CLI's exit codes: 2 for usage, 1 for everything else."""
    from core.errors import RagError, UsageError

    try:
        yield
    except UsageError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from e
    except RagError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from e


@contextmanager
def _library() -> Iterator[Library]:
    from rag.library import Library

    with _exit_codes():
        yield Library(_settings())


def _through_app(operation: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """A write sent to the ``rag serve`` running on this embedded store (``rag.writer``),
    or None when there is none (or a Chroma server takes every process's writes)."""
    from rag.writer import app_for_writes, send

    settings = _settings()
    if settings.chroma_url:
        return None
    with _usage_errors():
        app_ = app_for_writes(settings.home)
    if app_ is None:
        return None
    typer.echo(f"sent to the running app (pid {app_.pid}, port {app_.port})", err=True)
    with _exit_codes():
        answer = send(app_, operation, payload)
    return answer


def _absolute(inputs: list[str]) -> list[str]:
    """Paths as the app's process finds them (its working folder is not ours)."""
    from ingest.urlguard import is_url

    return [i if is_url(i) else str(Path(i).expanduser().resolve()) for i in inputs]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@app.command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders or http(s) URLs.")],
    collection: Annotated[
        str | None,
        typer.Option("--collection", help="The collection to add to (default: default)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add or update documents; unchanged ones cost nothing."""
    from rag.progress import ingest_progress

    forwarded = _through_app("ingest", {"inputs": _absolute(inputs), "collection": collection})
    if forwarded is not None:
        from ingest.report import IngestReport

        report = IngestReport.from_json(forwarded)
    else:
        with _library() as library, ingest_progress() as progress:
            report = library.add(inputs, progress, collection=collection)
    if as_json:
        _print_json(report.to_json())
    else:
        from rag.display import print_ingest_report

        print_ingest_report(report)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="What to search for.")] = None,
    k: Annotated[
        int | None,
        typer.Option("-k", help="Number of passages (default: RAG_TOP_K).", min=1, max=200),
    ] = None,
    queries: Annotated[
        Path | None, typer.Option(help="A jsonl file of {id, text} queries (needs --json).")
    ] = None,
    per_doc: Annotated[
        int, typer.Option("--per-doc", help="Most passages from one document (0: no limit).")
    ] = 1,
    doc: DocOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    collection: CollectionOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Find the passages that best match a query (dense + keyword)."""
    limit = per_doc or None
    where = _filter(doc, source, since, until, collection)
    with _library() as library:
        if queries is not None:
            _run_batch(
                queries,
                as_json,
                lambda text, _history: {
                    "results": [r.to_json() for r in library.search(text, k, where, limit)]
                },
            )
            return
        if not query:
            typer.echo("error: give a QUERY or --queries FILE", err=True)
            raise typer.Exit(2)
        results = library.search(query, k, where, limit)
    if as_json:
        _print_json({"query": query, "results": [r.to_json() for r in results]})
    else:
        from rag.display import print_results

        print_results(results)


def _run_batch(path: Path, as_json: bool, run: Callable[[str, list[Turn]], dict[str, Any]]) -> None:
    """Answer a jsonl file of ``{id, text}`` lines, one JSON line out per line in. A line
    may carry the conversation so far as ``"history": [{"role", "content"}, ...]``."""
    from core.errors import UsageError
    from rag.conversation import turns_from_messages

    if not as_json:
        raise UsageError("--queries/--questions needs --json")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise UsageError(f"{path}: cannot read it ({e.strerror})") from e
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            qid, text = item["id"], str(item["text"])
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise UsageError(
                f"{path}:{number}: each line must be a JSON object with 'id' and 'text'"
            ) from e
        try:
            history = turns_from_messages(item.get("history") or [])
        except ValueError as e:
            raise UsageError(f"{path}:{number}: {e}") from e
        _print_json({"id": qid, **run(text, history)})


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="Your question.")] = None,
    questions: Annotated[
        Path | None, typer.Option(help="A jsonl file of {id, text} questions (needs --json).")
    ] = None,
    doc: DocOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    collection: CollectionOption = None,
    as_json: JsonFlag = False,
) -> None:
    # The help is rich markup: an unescaped [n] would be read as a tag and vanish.
    r"""Answer a question from the documents, citing each claim as \[n]."""
    where = _filter(doc, source, since, until, collection)
    with _library() as library:
        if questions is not None:
            _run_batch(
                questions,
                as_json,
                lambda text, history: library.ask(text, history, search_filter=where).to_json(),
            )
            return
        if not question:
            typer.echo("error: give a QUESTION or --questions FILE", err=True)
            raise typer.Exit(2)
        answer = library.ask(question, search_filter=where)
    if as_json:
        # the same shape as a --questions line, whose id the caller chose
        _print_json({"id": None, **answer.to_json()})
    else:
        from rag.display import print_answer

        print_answer(answer)


@docs_app.command("list")
def docs_list(collection: CollectionOption = None, as_json: JsonFlag = False) -> None:
    """List the stored documents."""
    chosen = _collections(collection)
    with _library() as library:
        records = library.documents()
    if chosen is not None:
        records = [r for r in records if r.collection in chosen]
    if as_json:
        _print_json([r.summary() for r in records])
    else:
        from rag.display import print_documents

        print_documents(records)


@docs_app.command("remove")
def docs_remove(
    targets: Annotated[list[str], typer.Argument(help="Document ids or sources.")],
) -> None:
    """Remove documents (by id or by source) and their passages."""
    forwarded = _through_app("remove", {"targets": list(targets)})
    if forwarded is not None:
        done = [(str(d["doc_id"]), str(d["title"])) for d in forwarded["removed"]]
        unknown = [str(t) for t in forwarded["unknown"]]
    else:
        with _library() as library:
            removed, unknown = library.remove(targets)
        done = [(r.doc_id, r.title) for r in removed]
    for doc_id, title in done:
        typer.echo(f"removed {doc_id}  {title}")
    for target in unknown:
        typer.echo(f"error: {target}: no such document id or source; see `rag docs list`", err=True)
    raise typer.Exit(1 if unknown else 0)


def _users() -> Any:
    from core.errors import UsageError
    from rag.users import UserDirectory

    settings = _settings()
    try:
        return UserDirectory(settings.users_path)
    except UsageError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from e


@contextmanager
def _usage_errors() -> Iterator[None]:
    from core.errors import RagError

    try:
        yield
    except RagError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from e


ReadOption = Annotated[
    list[str] | None, typer.Option("--read", help="A collection the user may read (repeatable).")
]
WriteOption = Annotated[
    list[str] | None,
    typer.Option("--write", help="A collection the user may write (repeatable; * for all)."),
]


def _access(summary: dict[str, Any], nothing: str = "") -> str:
    """``reads a, b; writes c`` of a user's summary."""
    return f"reads {', '.join(summary['read'])}; writes {', '.join(summary['write']) or nothing}"


PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from stdin.")
]


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Lower-case login name; also their collection.")],
    read: ReadOption = None,
    write: WriteOption = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user; they read and write their own collection and read `default`."""
    password = _password(password_stdin)
    with _usage_errors():
        entry = _users().add(name, password, read or (), write or ())
    typer.echo(f"added {entry.name}: {_access(entry.summary())}")


@users_app.command("passwd")
def users_passwd(name: str, password_stdin: PasswordStdin = False) -> None:
    """Give a user a new password (their collections stay)."""
    password = _password(password_stdin)
    with _usage_errors():
        entry = _users().passwd(name, password)
    typer.echo(f"new password for {entry.name}")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


@users_app.command("grant")
def users_grant(name: str, read: ReadOption = None, write: WriteOption = None) -> None:
    """Let a user read or write more collections."""
    with _usage_errors():
        entry = _users().grant(name, read or (), write or ())
    typer.echo(f"{entry.name}: {_access(entry.summary())}")


@users_app.command("revoke")
def users_revoke(name: str, read: ReadOption = None, write: WriteOption = None) -> None:
    """Take collections away from a user (--read takes writing away too)."""
    with _usage_errors():
        entry = _users().revoke(name, read or (), write or ())
    typer.echo(f"{entry.name}: {_access(entry.summary(), nothing='nothing')}")


@users_app.command("remove")
def users_remove(name: str) -> None:
    """Remove a user from the users file (their documents stay)."""
    with _usage_errors():
        _users().remove(name)
    typer.echo(f"removed {name}")


@users_app.command("list")
def users_list(as_json: JsonFlag = False) -> None:
    """The users of the users file and what each may read and write."""
    with _usage_errors():
        users = [e.summary() for e in _users().entries().values()]
    if as_json:
        _print_json(users)
        return
    for u in users:
        typer.echo(f"{u['name']:<20} {_access(u)}")


@collections_app.command("list")
def collections_list(as_json: JsonFlag = False) -> None:
    """The collections, with their documents and passages."""
    with _library() as library:
        rows = library.collections()
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"{row['name']:<24} {row['documents']:>7} documents {row['passages']:>9} passages"
        )


@collections_app.command("create")
def collections_create(
    name: Annotated[str, typer.Argument(help="Lower-case name of the new collection.")],
    owner: Annotated[
        str | None, typer.Option("--owner", help="A user who may write it (and read it).")
    ] = None,
    member: Annotated[
        list[str] | None, typer.Option("--member", help="A user who may read it (repeatable).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Make a shared collection (listed while empty); grant its owner and members."""
    with _library() as library:
        created = library.create_collection(name, owner, member or [])
    if as_json:
        _print_json(created.to_json())
        return
    who = [f"{created.owner} writes"] if created.owner else []
    who += [f"{', '.join(created.members)} read"] if created.members else []
    typer.echo(f"created {created.name}" + (f": {'; '.join(who)}" if who else ""))


@collections_app.command("remove")
def collections_remove(
    name: Annotated[str, typer.Argument(help="The collection to remove.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Delete a collection's documents and take it out of every user's grants."""
    if not yes:
        typer.confirm(
            f"remove the collection {name!r} and every document in it?", abort=True, err=True
        )
    forwarded = _through_app("remove_collection", {"name": name})
    if forwarded is None:
        with _library() as library:
            forwarded = library.remove_collection(name).to_json()
    if as_json:
        _print_json(forwarded)
        return
    for doc in forwarded["removed"]:
        typer.echo(f"removed {doc['doc_id']}  {doc['title']}")
    users = f"; {', '.join(forwarded['users'])} lost access" if forwarded["users"] else ""
    typer.echo(f"removed the collection {forwarded['name']}{users}")


UserOption = Annotated[
    str, typer.Option("--user", help="Whose conversations (the window's login; local without).")
]


@conversations_app.command("list")
def conversations_list(user: UserOption = "local", as_json: JsonFlag = False) -> None:
    """A user's saved conversations, the last changed first."""
    with _library() as library:
        listed = library.saved.of_user(user)
    if as_json:
        _print_json([c.to_json() for c in listed])
        return
    for c in listed:
        typer.echo(f"{c.id}  {c.updated[:19]}  {c.turns:>3} turns  {c.title}")
    if not listed:
        typer.echo(f"no saved conversations for {user}")


@conversations_app.command("export")
def conversations_export(
    conversation: Annotated[str, typer.Argument(help="The id `rag conversations list` shows.")],
    user: UserOption = "local",
) -> None:
    """A saved conversation as Markdown, with its citations."""
    with _library() as library:
        text = library.saved.markdown(user, conversation)
    typer.echo(text)


@feedback_app.command("export")
def feedback_export(
    user: Annotated[str | None, typer.Option(help="Only this user's ratings.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The rated answers as an evaluation set: one JSON line per answer, which
    `rag ask --questions FILE --json` reads back (id, text, history), with the vote,
    comment and the answer as it was rated."""
    with _library() as library:
        ratings = library.feedback.ratings(user)
    if as_json:
        for rating in ratings:
            _print_json(rating.to_eval())
        return
    for rating in ratings:
        comment = f"  {rating.comment}" if rating.comment else ""
        typer.echo(f"{rating.at}  {rating.vote:<4}  {rating.user:<16}  {rating.question}{comment}")
    if not ratings:
        typer.echo("no ratings yet: rate answers with the thumbs in the chat window")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 7860,
) -> None:
    """Start the chat window in the browser (Gradio)."""
    from ui.app import serve as serve_app

    # Ctrl-C (SIGINT) stops the app even when a script started it in the background,
    # where the shell has it ignore SIGINT and Python then keeps ignoring it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with _library() as library:
        serve_app(library, host=host, port=port)


@app.command()
def prepare() -> None:
    """Export the embedding model to ONNX once (~30 s), ahead of the first use.

    The first ingest or question does it otherwise; scripts/setup runs it after
    installing."""
    from rag.services import Services

    settings = _settings()
    with _exit_codes():
        embedder = Services(settings).embedder
        embedder.embed(["ready"])
    where = settings.models_path if settings.embedder != "torch" else "sentence-transformers"
    typer.echo(f"embedding model ready: {embedder.name} ({where})")


@app.command()
def reindex() -> None:
    """Rebuild the keyword index from Chroma."""
    forwarded = _through_app("reindex", {})
    if forwarded is not None:
        typer.echo(f"keyword index rebuilt: {forwarded['passages']} passages")
        return
    with _library() as library:
        typer.echo(f"keyword index rebuilt: {library.reindex()} passages")


def main() -> None:
    app()
