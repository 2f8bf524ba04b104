"""`reportbot doctor` against the real components: embedded and `chroma run` stores,
llama.cpp's OpenAI-compatible server, the local Bot API stand-in, each up and down."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.index import Index
from rag.index.embed import Embedder
from rag.settings import Settings
from tests import botapi
from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.slow


def doctor(*extra: str) -> tuple[int, dict[str, Any], str]:
    """Run `reportbot doctor --json` and the plain one; both must agree on the exit code."""
    result = CliRunner().invoke(main, ["doctor", "--json", *extra])
    plain = CliRunner().invoke(main, ["doctor"])
    assert plain.exit_code == result.exit_code
    return result.exit_code, json.loads(result.stdout), plain.stdout


def by_name(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in report["checks"]}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("RAG_CHROMA_URL", "RAG_LLM_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY",
                 "RAG_TELEGRAM_TOKEN", "RAG_TELEGRAM_BASE_URL", "RAG_ANSWER__MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_fresh_setup_passes_and_an_empty_index_fails(
    home: Path, embedder: Embedder, corpus_copy: Path
) -> None:
    code, report, plain = doctor()
    checks = by_name(report)
    assert code == 1 and not report["ok"]
    assert checks["index"]["status"] == "fail" and "reportbot ingest" in checks["index"]["fix"]
    assert "fix: run `reportbot ingest" in plain

    Index(Settings(), embedder).ingest([corpus_copy])
    code, report, plain = doctor()
    checks = by_name(report)
    assert code == 0 and report["ok"], plain
    assert checks["index"]["status"] == "ok"
    assert "1 documents, 64 units" in checks["index"]["detail"]
    assert checks["embedding"]["detail"].endswith("dimension 384")
    # Not configured is not a failure: a fresh `make run` has no server, LLM or token.
    assert {checks[n]["status"] for n in ("chroma", "llm", "telegram")} == {"skip"}
    assert plain.strip().splitlines()[-1] == "Everything configured works."


def test_broken_prompt_template_fails_with_its_fix(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    (prompts / "answer.md").write_text("Paragraphs: {contxt}\nQuestion: {question}\n")
    monkeypatch.setenv("RAG_LLM__PROMPTS_DIR", str(prompts))
    code, report, _ = doctor()
    check = by_name(report)["prompts"]
    assert code == 1 and check["status"] == "fail"
    assert "contxt" in check["detail"] and "allowed" in check["fix"]


def test_chroma_server_up_and_down(
    home: Path, chroma_server: str, embedder: Embedder, corpus_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAG_CHROMA_URL", chroma_server)
    Index(Settings(), embedder).ingest([corpus_copy])
    code, report, plain = doctor()
    checks = by_name(report)
    assert code == 0, plain
    assert checks["chroma"]["status"] == "ok" and chroma_server in checks["chroma"]["detail"]
    assert checks["index"]["status"] == "ok" and chroma_server in checks["index"]["detail"]

    monkeypatch.setenv("RAG_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    code, report, _ = doctor()
    checks = by_name(report)
    assert code == 1
    assert checks["chroma"]["status"] == "fail" and "chroma run" in checks["chroma"]["fix"]
    assert checks["index"]["status"] == "fail" and "RAG_CHROMA_URL" in checks["index"]["fix"]


def test_llm_endpoint_up_wrong_model_and_down(
    home: Path, llm_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    listed = httpx.get(f"{llm_server}/models", timeout=10).json()["data"][0]["id"]
    monkeypatch.setenv("RAG_LLM_BASE_URL", llm_server)
    monkeypatch.setenv("RAG_LLM__MODEL", listed)
    check = by_name(doctor()[1])["llm"]
    assert check["status"] == "ok" and "listed" in check["detail"], check

    monkeypatch.setenv("RAG_LLM__MODEL", "no-such-model")
    check = by_name(doctor()[1])["llm"]
    assert check["status"] == "fail" and listed in check["detail"]
    assert "RAG_LLM__MODEL" in check["fix"]

    monkeypatch.setenv("RAG_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    code, report, _ = doctor()
    check = by_name(report)["llm"]
    assert code == 1 and check["status"] == "fail" and "ConnectError" in check["detail"]


def test_llm_mode_without_endpoint_fails(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_ANSWER__MODE", "llm")
    check = by_name(doctor()[1])["llm"]
    assert check["status"] == "fail" and "RAG_LLM_BASE_URL" in check["fix"]


def test_telegram_token_up_refused_and_down(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api = botapi.start()
    try:
        monkeypatch.setenv("RAG_TELEGRAM_BASE_URL", api.base_url)
        monkeypatch.setenv("RAG_TELEGRAM_TOKEN", botapi.TOKEN)
        check = by_name(doctor()[1])["telegram"]
        assert check["status"] == "ok"
        assert f"@{botapi.BOT_USER['username']}" in check["detail"]

        monkeypatch.setenv("RAG_TELEGRAM_TOKEN", "999:wrong")
        code, report, plain = doctor()
        check = by_name(report)["telegram"]
        assert code == 1 and check["status"] == "fail" and "Unauthorized" in check["detail"]
        assert "RAG_TELEGRAM_TOKEN" in check["fix"]
        assert "999:wrong" not in plain + json.dumps(report)  # the token is never printed
    finally:
        assert api.server is not None
        api.server.shutdown()
        api.server.server_close()
    code, report, plain = doctor()
    check = by_name(report)["telegram"]
    assert code == 1 and check["status"] == "fail" and "cannot reach" in check["detail"]
    assert "999:wrong" not in plain
