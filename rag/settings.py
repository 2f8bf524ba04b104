"""All configuration, in one place: environment variables with the prefix ``RAG_``.

Nested groups use a double underscore, e.g. ``RAG_RETRIEVAL__K=8``; the most
used settings also have short aliases (``RAG_HOME``, ``RAG_CHROMA_URL``). Nothing
else in the code base reads ``os.environ``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    section_boost: float = Field(
        0.3,
        ge=0,
        description="Fusion-score bonus (relative) for units of the kind the question names, "
        "e.g. recommendation units for a question about recommendations.",
    )
    headings: bool = Field(
        False, description="Return heading and title units in searches (they stay in the index)."
    )


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

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def lexical_path(self) -> Path:
        return self.home / "lexical"

    @property
    def models_path(self) -> Path:
        return self.cache_dir / "models"
