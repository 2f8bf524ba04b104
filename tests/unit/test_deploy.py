"""deploy/: the systemd units parse, the env example names only real settings, and
the backup procedure of docs/operations.md gives a copy that opens with its rows."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr, TypeAdapter

from bot.state import BotState
from rag.settings import Settings, _FlatAliases

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = ("reportbot-bot.service", "reportbot-chroma.service")
ENV_EXAMPLE = DEPLOY / "reportbot.env.example"
OPERATIONS = ROOT / "docs" / "operations.md"
#: Where the units expect the checkout (docs/operations.md installs it there).
INSTALL_ROOT = "/opt/reportbot"


# -- the units ----------------------------------------------------------------------

def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None,
                                       comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("name", UNITS)
def test_unit_has_required_keys(name: str) -> None:
    unit = _unit(name)
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    program = service["ExecStart"].split()[0]
    expected = "reportbot" if name.endswith("-bot.service") else "chroma"
    assert program == f"{INSTALL_ROOT}/.venv/bin/{expected}"
    assert service["User"] == "reportbot"
    assert service["Restart"] == "on-failure"
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert service[key] == "yes", key
    assert service["ProtectSystem"] == "strict"
    assert service["StandardOutput"] == service["StandardError"] == "journal"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_bot_unit_runs_the_bot_with_the_env_file_and_the_chroma_server() -> None:
    unit = _unit("reportbot-bot.service")
    service = unit["Service"]
    assert service["ExecStart"].split()[1:] == ["bot"]
    assert service["ExecStartPre"].split()[1:] == ["doctor"]
    assert service["EnvironmentFile"] == "/etc/reportbot/reportbot.env"
    assert "reportbot-chroma.service" in unit["Unit"]["Wants"].split()
    assert "reportbot-chroma.service" in unit["Unit"]["After"].split()
    # RAG_HOME and RAG_CACHE_DIR of the env example are the writable paths.
    env = _env_example()
    writable = service["ReadWritePaths"].split()
    assert env["RAG_HOME"] in writable and env["RAG_CACHE_DIR"] in writable


def test_chroma_unit_serves_the_url_of_the_env_example() -> None:
    service = _unit("reportbot-chroma.service")["Service"]
    args = service["ExecStart"].split()
    assert args[1] == "run"
    flags = dict(zip(args[2::2], args[3::2], strict=True))
    assert set(flags) == {"--path", "--host", "--port"}
    assert flags["--path"] in service["ReadWritePaths"].split()
    assert _env_example()["RAG_CHROMA_URL"] == f"http://{flags['--host']}:{flags['--port']}"
    assert service["ExecStartPost"].split()[-2] == _env_example()["RAG_CHROMA_URL"]


def test_chroma_run_takes_the_units_flags() -> None:
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip("no chroma executable next to this Python")
    shown = subprocess.run([str(chroma), "run", "--help"], capture_output=True, text=True,
                           timeout=60, check=True).stdout
    args = _unit("reportbot-chroma.service")["Service"]["ExecStart"].split()
    for flag in args[2::2]:
        assert flag in shown, flag


def test_units_verify(tmp_path: Path) -> None:
    """``systemd-analyze verify`` on the units, with the checkout standing in for /opt."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    venv = Path(sys.executable).parent.parent
    if not (venv / "bin" / "reportbot").exists() or not (venv / "bin" / "chroma").exists():
        pytest.skip("the venv lacks reportbot or chroma")
    # The units name /opt/reportbot/.venv: point that at this checkout and venv.
    root = tmp_path / "root"
    shutil.copytree(DEPLOY, root / "deploy")
    (root / ".venv").symlink_to(venv)
    paths = []
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8").replace(INSTALL_ROOT, str(root))
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    got = subprocess.run(["systemd-analyze", "verify", *paths], capture_output=True,
                         text=True, timeout=120)
    # verify also reports problems of the host's own units: keep the lines about ours.
    ours = [line for line in (got.stdout + got.stderr).splitlines()
            if "reportbot" in line]
    assert got.returncode == 0 and not ours, got.stdout + got.stderr


def test_units_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a misspelt directive and a missing program are caught."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    path = tmp_path / "broken.service"
    path.write_text("[Service]\nExecStart=/nonexistent/reportbot bot\nRestart=sometimes\n",
                    encoding="utf-8")
    got = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True,
                         text=True, timeout=120)
    assert got.returncode != 0 or "broken.service" in got.stdout + got.stderr


# -- the env example ----------------------------------------------------------------

_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def _env_lines() -> list[tuple[str, str, bool, str]]:
    """(name, value, commented out, the comment line above it) per setting line."""
    out = []
    previous = ""
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        if match:
            out.append((match[2], match[3], bool(match[1]), previous))
        previous = line
    return out


def _env_example() -> dict[str, str]:
    return {name: value for name, value, commented, _ in _env_lines() if not commented}


def _env_names() -> dict[str, tuple[str, ...]]:
    """Every environment variable Settings reads, and the field it sets.

    Built from the model itself: a top-level field's aliases (or RAG_ + its name),
    RAG_GROUP__FIELD for each field of a nested group, and _FlatAliases' short names.
    """
    prefix = str(Settings.model_config.get("env_prefix", ""))
    delimiter = str(Settings.model_config.get("env_nested_delimiter", ""))
    names: dict[str, tuple[str, ...]] = {}
    for field_name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub in annotation.model_fields:
                names[f"{prefix}{field_name}{delimiter}{sub}".upper()] = (field_name, sub)
            continue
        alias = field.validation_alias
        choices = getattr(alias, "choices", None) or [alias or field_name]
        for choice in choices:
            if isinstance(choice, str) and choice.isupper():
                names[choice] = (field_name,)
        names[f"{prefix}{field_name}".upper()] = (field_name,)
    for group, fields in _FlatAliases._NAMES.items():
        for sub, flat in fields.items():
            for name in flat:
                names[name] = (group, sub)
    return names


def _get(settings: Settings, path: tuple[str, ...]) -> Any:
    value: Any = settings
    for part in path:
        value = getattr(value, part)
    return value


def _field(path: tuple[str, ...]) -> Any:
    fields = Settings.model_fields
    if len(path) == 2:
        model = fields[path[0]].annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        fields = model.model_fields
    return fields[path[-1]]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.upper().startswith(("RAG_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    return monkeypatch


def test_env_example_names_are_real_settings() -> None:
    names = _env_names()
    lines = _env_lines()
    assert len(lines) >= 10
    unknown = [name for name, *_ in lines if name not in names]
    assert not unknown, f"not settings: {unknown}"
    assert len({name for name, *_ in lines}) == len(lines), "a setting is listed twice"
    for name, _, _, above in lines:
        assert above.startswith("# ") and not _LINE.match(above), f"{name} has no comment"


def test_env_names_reject_a_misspelt_name() -> None:
    """The name table is strict enough to fail: near misses are not settings."""
    names = _env_names()
    assert {"RAG_HOME", "RAG_TELEGRAM_TOKEN", "RAG_TELEGRAM__TOKEN", "RAG_LLM_BASE_URL",
            "RAG_RETRIEVAL__K", "RAG_CHROMA_URL"} <= set(names)
    for wrong in ("RAG_TELEGRAM_TOKENS", "RAG_TELEGRAM__GROUPMODE", "RAG_TELEGRAM_GROUP_MODE",
                  "RAG_LLM_TIMEOUT", "RAG_CHROMA__URL", "RAG_RETRIEVAL_K"):
        assert wrong not in names, wrong


def test_env_example_values_are_consumed(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Loaded as systemd would, every set value arrives in its field, parsed."""
    names = _env_names()
    env = _env_example()
    for name, value in env.items():
        clean_env.setenv(name, value)
    settings = Settings()
    for name, value in env.items():
        path = names[name]
        got = _get(settings, path)
        if value == "":
            # An empty line (a secret to fill in) leaves the default, never "".
            assert got == _field(path).get_default(call_default_factory=True), name
            continue
        expected = TypeAdapter(_field(path).annotation).validate_python(
            [v.strip() for v in value.split(",")] if isinstance(got, list) else value)
        assert got == expected, name
    # And each set value really comes from the environment: change it, see it change.
    for name, value in env.items():
        if not value or name == "RAG_HOME":
            continue
        probe = _probe(names[name], value)
        clean_env.setenv(name, probe)
        assert str(_get(Settings(), names[name])) != str(_get(settings, names[name])), name
        clean_env.setenv(name, value)


def _probe(path: tuple[str, ...], value: str) -> str:
    """Another valid value for the field of path."""
    annotation = str(_field(path).annotation)
    if value.isdigit():
        return str(int(value) + 1)
    if "Literal" in annotation:
        args = _field(path).annotation.__args__
        return next(a for a in args if a != value)
    if value.startswith("http"):
        return value + "0"
    return value + "-other"


def test_env_example_leaves_secrets_empty() -> None:
    names = _env_names()
    secrets = [name for name, *_ in _env_lines()
               if "SecretStr" in str(_field(names[name]).annotation)]
    assert {"RAG_TELEGRAM_TOKEN", "RAG_LLM_API_KEY"} <= set(secrets)
    for name, value, _, _ in _env_lines():
        if name in secrets:
            assert value == "", f"{name} has a value in the example"


def test_env_example_secrets_filled_in_reach_settings(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in _env_example().items():
        clean_env.setenv(name, value)
    clean_env.setenv("RAG_TELEGRAM_TOKEN", "123:abc")
    clean_env.setenv("RAG_LLM_API_KEY", "sk-test")
    settings = Settings()
    assert isinstance(settings.telegram.token, SecretStr)
    assert settings.telegram.token.get_secret_value() == "123:abc"
    assert settings.llm.api_key is not None and settings.llm.api_key.get_secret_value() == "sk-test"


# -- backups ------------------------------------------------------------------------

def _documented_commands(marker: str) -> list[str]:
    """The lines of operations.md's sh blocks that run ``marker``, continuations joined."""
    text = OPERATIONS.read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for command in block.replace("\\\n", " ").splitlines():
            command = command.split("  #")[0].strip()
            if marker in command:
                out.append(command)
    return out


def _state(home: Path) -> BotState:
    state = BotState(home / "bot.sqlite3")
    for i in range(3):
        answer_id = state.log_answer(10 + i, 7, "ana", f"question {i}", f"answer {i}",
                                     False, "extractive", [{"doc": "D", "label": "1"}], [])
        state.feedback(answer_id, 7, 1 if i else -1)
    state.deny("@mallory")
    return state


def _rows(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return tuple(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[return-value]
                     for table in ("answers", "feedback", "denied"))


def _run_documented(command: str, env: dict[str, str]) -> None:
    """Run a documented command, its installed paths pointed at tmp folders."""
    if command.startswith("sudo -u reportbot "):
        command = command.removeprefix("sudo -u reportbot ")
    command = command.replace(f"{INSTALL_ROOT}/", f"{ROOT}/")
    got = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env,
                         timeout=120)
    assert got.returncode == 0, f"{command}\n{got.stdout}{got.stderr}"


@pytest.mark.parametrize("tool", ["sqlite3", "python"])
def test_documented_backup_and_restore(tmp_path: Path, tool: str) -> None:
    if tool == "sqlite3" and shutil.which("sqlite3") is None:
        pytest.skip("no sqlite3 tool")
    backups = _documented_commands("deploy/backup.sh")
    restores = _documented_commands("deploy/restore.sh")
    assert backups and restores, "operations.md shows no backup.sh / restore.sh command"
    home, chroma = tmp_path / "var" / "lib" / "reportbot", tmp_path / "chroma"
    for folder in (home / "lexical", home / "vocabulary", chroma):
        folder.mkdir(parents=True)
    (home / "lexical" / "state.json").write_text("{}")
    (home / "vocabulary" / "vocab.json").write_text("{}")
    (chroma / "chroma.sqlite3").write_text("x")
    state = _state(home)  # the bot keeps its connection open, as when it runs
    try:
        env = {**os.environ, "PATH": os.environ["PATH"]}
        if tool == "python":
            env["REPORTBOT_BACKUP_PYTHON"] = "1"
            env["PYTHON"] = sys.executable
        for command in backups:
            _run_documented(_to_tmp(command, tmp_path), env)
        # A write after the backup is in the live file, not in the copy.
        state.log_answer(1, 1, None, "later", "later", True, "extractive", [], [])
    finally:
        state.close()
    [dest] = [p for p in (tmp_path / "var" / "backups" / "reportbot").iterdir()]
    assert _rows(dest / "bot.sqlite3") == (3, 3, 1)
    assert (dest / "lexical" / "state.json").exists()
    assert (dest / "vocabulary" / "vocab.json").exists()
    assert (dest / "chroma-server" / "chroma.sqlite3").read_text() == "x"

    # Restore over the live folder: the stale WAL must not come back with it.
    (home / "bot.sqlite3-wal").write_bytes(b"stale")
    shutil.rmtree(chroma)
    for command in restores:
        command = _to_tmp(command, tmp_path).replace(
            f"{tmp_path}/var/backups/reportbot/BACKUP", str(dest))
        _run_documented(command, env)
    assert not (home / "bot.sqlite3-wal").exists()
    restored = BotState(home / "bot.sqlite3")
    try:
        assert [a.question for a in restored.answers()] == [f"question {i}"
                                                            for i in (2, 1, 0)]
        assert restored.counts()["up"] == 2 and restored.counts()["denied"] == 1
    finally:
        restored.close()
    assert (chroma / "chroma.sqlite3").read_text() == "x"


def _to_tmp(command: str, tmp_path: Path) -> str:
    """The documented system paths, under tmp_path."""
    command = command.replace("/var/lib/reportbot-chroma", str(tmp_path / "chroma"))
    for path in ("/var/lib/reportbot", "/var/backups/reportbot"):
        command = command.replace(path, f"{tmp_path}{path}")
    return command


def test_backup_refuses_a_missing_home(tmp_path: Path) -> None:
    got = subprocess.run(["sh", str(DEPLOY / "backup.sh"), str(tmp_path / "nope"),
                          str(tmp_path / "dest")], capture_output=True, text=True, timeout=60)
    assert got.returncode == 2 and "not a folder" in got.stderr


def test_backup_waits_for_a_running_ingest(tmp_path: Path) -> None:
    """The index folders are copied only once the writers' lock is free."""
    from filelock import FileLock

    home = tmp_path / "home"
    (home / "lexical").mkdir(parents=True)
    lock = FileLock(str(home / "write.lock"))
    lock.acquire()
    try:
        proc = subprocess.Popen(["sh", str(DEPLOY / "backup.sh"), str(home),
                                 str(tmp_path / "dest")], stdout=subprocess.PIPE, text=True)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=1.5)
        assert not (tmp_path / "dest" / "lexical").exists()
    finally:
        lock.release()
    assert proc.wait(timeout=30) == 0
    assert (tmp_path / "dest" / "lexical").is_dir()


def test_documented_one_line_backups(tmp_path: Path) -> None:
    """The sqlite3 ``.backup`` line and the Python backup-API line of operations.md."""
    lines = [c for c in _documented_commands("bot.sqlite3") if ".backup" in c]
    assert len(lines) == 2 and any("sqlite3 /" in c for c in lines)
    home = tmp_path / "var" / "lib" / "reportbot"
    state = _state(home)
    try:
        for command in lines:
            if command.split()[3] == "sqlite3" and shutil.which("sqlite3") is None:
                continue
            copy = tmp_path / "var" / "backups" / "reportbot" / "bot.sqlite3"
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.unlink(missing_ok=True)
            _run_documented(_to_tmp(command, tmp_path), dict(os.environ))
            assert _rows(copy) == (3, 3, 1), command
    finally:
        state.close()


def test_reportbot_env_runs_with_the_env_file(tmp_path: Path) -> None:
    """deploy/reportbot-env reads the env file: `logs` finds the answers in its RAG_HOME."""
    venv_bin = Path(sys.executable).parent
    if not (venv_bin / "reportbot").exists():
        pytest.skip("no reportbot executable next to this Python")
    root = tmp_path / "root"
    shutil.copytree(DEPLOY, root / "deploy")
    (root / ".venv").symlink_to(venv_bin.parent)
    home = tmp_path / "home"
    _state(home).close()
    env_file = tmp_path / "reportbot.env"
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    env_file.write_text(example.replace("/var/lib/reportbot", str(home)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["REPORTBOT_ENV"] = str(env_file)
    got = subprocess.run([str(root / "deploy" / "reportbot-env"), "logs", "--json"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert got.returncode == 0, got.stderr
    import json

    assert [a["question"] for a in json.loads(got.stdout)] == ["question 2", "question 1",
                                                              "question 0"]
    env["REPORTBOT_ENV"] = str(tmp_path / "missing.env")
    got = subprocess.run([str(root / "deploy" / "reportbot-env"), "logs"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert got.returncode == 2 and "cannot read" in got.stderr


def test_documented_second_bot_unit(tmp_path: Path) -> None:
    """The sed line of "Several bots on one Chroma server" gives a unit of its own."""
    [command] = [c for c in _documented_commands("reportbot-committee2.service")
                 if c.startswith("sed ")]
    sed = command.split(" | ")[0]
    got = subprocess.run(["sh", "-c", sed], capture_output=True, text=True, cwd=ROOT,
                         timeout=60, check=True)
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(got.stdout)
    service = unit["Service"]
    assert service["EnvironmentFile"] == "/etc/reportbot/committee2.env"
    assert service["StateDirectory"] == "reportbot-committee2"
    assert service["WorkingDirectory"] == "/var/lib/reportbot-committee2"
    assert service["ReadWritePaths"].split() == ["/var/lib/reportbot-committee2",
                                                 "/var/cache/reportbot"]
    assert service["User"] == "reportbot" and service["ExecStart"].endswith(" bot")
