"""All configuration, in one place: environment variables with the prefix ``RAG_``.

Nested groups use a double underscore, e.g. ``RAG_RETRIEVAL__K=8``; the most
used settings also have short aliases (``RAG_HOME``, ``RAG_CHROMA_URL``). Nothing
else in the code base reads ``os.environ``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Literal

import platformdirs
from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("reportbot", appauthor=False))


def _default_cache() -> Path:
    return Path(platformdirs.user_cache_dir("reportbot", appauthor=False))


class EmbeddingSettings(BaseModel):
    """Which model turns paragraphs and questions into vectors."""

    backend: Literal["local", "openai"] = Field(
        "local",
        description="'local': all-MiniLM-L6-v2 run with onnxruntime, offline. "
        "'openai': any OpenAI-compatible /embeddings endpoint.",
    )
    model: str = Field(
        "all-MiniLM-L6-v2",
        description="Model name; for the openai backend, the name the endpoint expects.",
    )
    base_url: str | None = Field(
        None, description="OpenAI-compatible base URL (openai backend); default: OpenAI's."
    )
    api_key: SecretStr | None = Field(None, description="API key for the openai backend.")
    batch_size: int = Field(
        8,
        ge=1,
        le=2048,
        description="Texts per embedding call: 8 is fastest for the local model on CPU "
        "(less padding); raise it for a remote endpoint.",
    )
    max_tokens: int = Field(
        256,
        ge=16,
        le=8192,
        description="Embedding window in model tokens; longer paragraphs are split into parts.",
    )
    threads: int = Field(
        0, ge=0, description="onnxruntime intra-op threads (0 = one per core)."
    )


class RetrievalSettings(BaseModel):
    """How questions find paragraphs."""

    k: int = Field(5, ge=1, le=200, description="Paragraphs returned by a search.")
    candidates: int = Field(
        40, ge=1, le=1000, description="Hits taken from each retriever before fusion."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in fusion.")
    lexical_weight: float = Field(
        1.0, ge=0, description="Weight of the BM25 ranking in fusion."
    )
    residual_weight: float = Field(
        1.0, ge=0, description="Whole-index searches: weight in fusion of a second dense "
        "ranking, of the question less the words that name a report.",
    )
    section_boost: float = Field(
        0.3,
        ge=0,
        description="Fusion-score bonus (relative) for units of the kind the question names, "
        "e.g. recommendation units for a question about recommendations.",
    )
    year_boost: float = Field(
        0.15,
        ge=0,
        description="Whole-index searches: fusion-score bonus (relative) for units of the "
        "reports whose date has a year the question names ('at the 2014 review').",
    )
    scope_weight: float = Field(
        1.0,
        ge=0,
        description="BM25 weight (relative to a word of the paragraph) of a question word that "
        "names the paragraph's report: its title block's words and acronyms ('the 2019 "
        "trafficking working group', 'Slovenia's UPR'), which every unit of that report "
        "matches alike.",
    )
    rerank: bool = Field(
        True, description="Re-order the fused candidates by the learned re-ranker "
        "(rag/rerank.py, fitted by eval/fit_rerank.py): p(the paragraph answers).",
    )
    rerank_depth: int = Field(
        30, ge=1, le=200, description="How many fused candidates the re-ranker reads.",
    )
    headings: bool = Field(
        False, description="Return heading units in searches (they stay in the index); "
        "title blocks are always searched (a resolution's date, a session's officers)."
    )


class AnswerSettings(BaseModel):
    """How answers are composed, checked and refused."""

    mode: Literal["auto", "extractive", "llm"] = Field(
        "auto",
        description="'extractive': sentences quoted from the paragraphs (offline). 'llm': an "
        "OpenAI-compatible chat model writes the answer. 'auto': llm when an LLM endpoint or "
        "key is configured, else extractive.",
    )
    k: int = Field(5, ge=1, le=50, description="Paragraphs retrieved for an answer.")
    unsure_anchors: int = Field(
        2, ge=1, le=10, description="An unsure answer (confidence between the two "
        "thresholds) quotes the best sentence of each of this many best paragraphs.",
    )
    close_share: float = Field(
        0.5, ge=0.0, le=1.01, description="An answer quotes the best sentence of each "
        "of the top-ranked paragraphs, in rank order, while each one's p(answers) is at "
        "least this share of the best paragraph's (1.01: of the top-ranked one only).",
    )
    max_sentences: int = Field(
        3, ge=1, le=20, description="Sentences in an extractive answer (6 for list questions)."
    )
    support_threshold: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Share of a sentence's content words its cited paragraph must contain "
        "for the citation to count as verified (calibrated: eval/calibrate.py).",
    )
    min_coverage: float = Field(
        0.10,
        ge=0,
        le=1,
        description="LLM mode: an answer whose cited paragraphs cover less than this share of "
        "the question's idf weight is off-topic and answered extractively instead (whether to "
        "answer at all is the calibrated decision, rag/answer/decide.py).",
    )
    min_supported: float = Field(
        0.0,
        ge=0,
        le=1,
        description="LLM mode: sentences of the model's answer that no paragraph supports are "
        "left out (with a note); when the supported share is 0 or below this, the extractive "
        "answer is given instead.",
    )
    max_question_chars: int = Field(
        2000, ge=50, description="Longer questions are cut to this length (with a note)."
    )


class LLMSettings(BaseModel):
    """The OpenAI-compatible chat endpoint of LLM mode.

    ``RAG_LLM_BASE_URL``, ``RAG_LLM_MODEL`` and ``RAG_LLM_API_KEY`` set it;
    ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` are honoured when those are unset.
    """

    base_url: str | None = Field(
        None, description="Base URL of the endpoint, e.g. http://127.0.0.1:8080/v1."
    )
    model: str = Field("gpt-4o-mini", description="Model name the endpoint expects.")
    api_key: SecretStr | None = Field(
        None, description="API key (local servers accept any value)."
    )
    timeout: float = Field(30.0, gt=0, description="Seconds to wait for the endpoint.")
    max_tokens: int = Field(300, ge=16, description="Most tokens an answer may use.")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    context_tokens: int = Field(
        1800,
        ge=200,
        description="Token budget (tiktoken cl100k) for the paragraphs put in the prompt.",
    )
    k: int = Field(
        8, ge=1, le=50, description="Paragraphs retrieved for the model to read (within "
        "context_tokens). 8 put the answering paragraph in the prompt for 2.4–6.2 points more "
        "questions than 5 (docs/evaluation.md, 'LLM mode').")
    max_concurrency: int = Field(
        4, ge=1, description="Most LLM calls in flight at once from this process (the bot "
        "answers many chats concurrently; a serving engine has its own limits).")
    queue_timeout: float = Field(
        20.0, ge=0, description="Seconds a question waits for one of those slots before it is "
        "answered extractively (with a note) instead.")
    breaker_failures: int = Field(
        2, ge=1, description="Consecutive endpoint failures that open the circuit breaker: "
        "questions are then answered extractively without calling the endpoint.")
    breaker_cooldown: float = Field(
        30.0, ge=0, description="Seconds the breaker stays open before one question tries the "
        "endpoint again.")
    prompts_dir: Path = Field(
        PROJECT_ROOT / "prompts", description="Folder of the prompt templates."
    )

    @property
    def configured(self) -> bool:
        return self.base_url is not None or self.api_key is not None


class TelegramSettings(BaseModel):
    """The Telegram bot (``reportbot bot``)."""

    token: SecretStr | None = Field(
        None, description="Bot token from @BotFather (RAG_TELEGRAM_TOKEN).")
    base_url: str | None = Field(
        None, description="Bot API base URL, token appended (RAG_TELEGRAM_BASE_URL), e.g. "
        "http://127.0.0.1:8081/bot for a self-hosted Bot API server. Unset: Telegram's.")
    allowed: list[str] = Field(
        default_factory=list, description="Who may use the bot (RAG_TELEGRAM_ALLOWED, comma-"
        "separated): user ids, @usernames, chat ids. Empty: everyone.")
    admins: list[str] = Field(
        default_factory=list, description="Who may use /stats and /reload "
        "(RAG_TELEGRAM_ADMINS: user ids or @usernames, comma-separated).")
    group_mode: Literal["mention", "all"] = Field(
        "mention", description="In groups, answer only when mentioned, replied to or sent "
        "/ask (mention), or every message (all).")
    rate_limit: int = Field(
        8, ge=1, description="Questions one user may ask per minute.")
    history_turns: int = Field(
        4, ge=0, description="Earlier questions of a chat used to understand a follow-up.")
    poll_timeout: int = Field(
        10, ge=0, description="Long-polling timeout (seconds) of getUpdates.")
    stream_interval: float = Field(
        1.5, gt=0, description="LLM mode: seconds between edits of the streamed message "
        "(Telegram allows about one edit a second per chat).")
    max_retries: int = Field(
        3, ge=0, description="Retries of a Bot API call after a 429 (RetryAfter) or a "
        "network error, with back-off.")
    webhook_listen: str = Field(
        "0.0.0.0", description="Webhook mode: the address the bot's HTTP server listens on.")
    webhook_port: int = Field(8443, description="Webhook mode: its port.")
    webhook_secret: SecretStr | None = Field(
        None, description="Webhook mode: the secret Telegram sends back in a header "
        "(default: derived from the token).")


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


class _FlatAliases(PydanticBaseSettingsSource):
    """Flat names for nested groups: ``RAG_LLM_MODEL``, ``RAG_TELEGRAM_TOKEN`` and the like.

    The nested form (``RAG_LLM__MODEL``) also works and wins; OpenAI's own
    variables come last so a reportbot-specific setting always overrides them.
    """

    _NAMES: ClassVar[dict[str, dict[str, tuple[str, ...]]]] = {
        "llm": {
            "base_url": ("RAG_LLM_BASE_URL", "OPENAI_BASE_URL"),
            "model": ("RAG_LLM_MODEL",),
            "api_key": ("RAG_LLM_API_KEY", "OPENAI_API_KEY"),
        },
        "telegram": {
            "token": ("RAG_TELEGRAM_TOKEN",),
            "base_url": ("RAG_TELEGRAM_BASE_URL",),
            "allowed": ("RAG_TELEGRAM_ALLOWED",),
            "admins": ("RAG_TELEGRAM_ADMINS",),
        },
    }

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ builds the whole group

    def __call__(self) -> dict[str, Any]:
        env = {k.upper(): v for k, v in os.environ.items()}
        out: dict[str, Any] = {}
        for group_name, fields in self._NAMES.items():
            group: dict[str, Any] = {}
            for key, names in fields.items():
                value = next((env[n] for n in names if env.get(n)), None)
                if value is not None:
                    group[key] = _split_list(value) if key in ("allowed", "admins") else value
            if group:
                out[group_name] = group
        return out


class Settings(BaseSettings):
    """reportbot's settings. Build once at the edge (CLI, bot) and pass down."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
    )

    home: Path = Field(
        default_factory=_default_home,
        validation_alias=AliasChoices("RAG_HOME", "home"),
        description="Data directory: the Chroma store, the lexical index, bot state.",
    )
    cache_dir: Path = Field(
        default_factory=_default_cache,
        validation_alias=AliasChoices("RAG_CACHE_DIR", "cache_dir"),
        description="Cache for derived artefacts that are costly to make (the ONNX export).",
    )
    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus",
        validation_alias=AliasChoices("RAG_CORPUS_DIR", "corpus_dir"),
        description="What `reportbot ingest` reads when given no path.",
    )
    chroma_url: str | None = Field(
        None,
        validation_alias=AliasChoices("RAG_CHROMA_URL", "chroma_url"),
        description="Chroma server URL (http://host:port). Unset: an embedded store under home.",
    )
    collection_prefix: str = Field(
        "reportbot",
        description="Prefix of the Chroma collections (one set per embedding model).",
    )
    embedding: EmbeddingSettings = Field(
        default_factory=lambda: EmbeddingSettings(), description="The embedding model."
    )
    retrieval: RetrievalSettings = Field(
        default_factory=lambda: RetrievalSettings(), description="How searches rank units."
    )
    answer: AnswerSettings = Field(
        default_factory=lambda: AnswerSettings(), description="How answers are made."
    )
    llm: LLMSettings = Field(
        default_factory=lambda: LLMSettings(), description="The LLM endpoint of LLM mode."
    )
    telegram: TelegramSettings = Field(
        default_factory=lambda: TelegramSettings(), description="The Telegram bot."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FlatAliases(settings_cls), dotenv_settings,
                file_secret_settings)

    @property
    def answer_mode(self) -> Literal["extractive", "llm"]:
        """The mode 'auto' resolves to."""
        if self.answer.mode == "auto":
            return "llm" if self.llm.configured else "extractive"
        return self.answer.mode

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def lexical_path(self) -> Path:
        return self.home / "lexical"

    @property
    def bot_db_path(self) -> Path:
        return self.home / "bot.sqlite3"

    @property
    def models_path(self) -> Path:
        return self.cache_dir / "models"
