"""The token secret: nothing usable in the code, production refuses a weak one, `run` makes one per data directory,
and the Kubernetes manifests take it from a Secret that must exist."""

import stat
from pathlib import Path

import pytest
import yaml

from flightrak import cli
from flightrak.settings import TOKEN_SECRET_MISSING, Settings, get_settings
from flightrak.supervisor import TOKEN_SECRET_FILE, data_dir_token_secret

K8S = Path(__file__).resolve().parent.parent / "deploy" / "k8s" / "base"
GOOD_SECRET = "q0Jx7VtN2wLr9sKd4YhB6mPc1GzF8aEuT3nWk5RjM"
PRODUCTION_SPELLINGS = ["production", "Production", "PRODUCTION", " production ", "pRoDuCtIoN\n"]
WEAK_SECRETS = [
    "CHANGE_ME_GENERATE_A_LONG_RANDOM_SECRET",  # the placeholder the manifests once shipped
    "flightrak-development-secret-change-me-0123456789",  # the development secret the code once held
    "change-me",
    "changeme",
    "Change Me Please, This Is A Long Enough Sentence",
    "secret",
    "SECRET",
    "placeholder",
    "your-placeholder-token-secret-goes-here-0123",
    "x" * 40,  # long, and no more secret than "x"
    "Ab3$" * 3,  # varied, and 12 bytes
    "k" * 31 + "Q",
    "aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0u",  # 31 bytes
]


@pytest.fixture(autouse=True)
def no_secret_in_the_environment(monkeypatch):
    for name in ("FLIGHTRAK_TOKEN_SECRET", "FLIGHTRAK_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("environment", PRODUCTION_SPELLINGS)
def test_production_in_any_casing_refuses_a_missing_secret(environment):
    with pytest.raises(ValueError, match="FLIGHTRAK_TOKEN_SECRET is not set"):
        Settings(environment=environment)


@pytest.mark.parametrize("environment", PRODUCTION_SPELLINGS)
@pytest.mark.parametrize("secret", WEAK_SECRETS)
def test_production_refuses_a_placeholder_or_short_secret_without_repeating_it(environment, secret):
    with pytest.raises(ValueError, match="FLIGHTRAK_TOKEN_SECRET") as refused:
        Settings(environment=environment, token_secret=secret)
    message = str(refused.value)
    assert "input_value" not in message and (len(secret) < 12 or secret not in message)  # short ones are words


@pytest.mark.parametrize("environment", PRODUCTION_SPELLINGS)
def test_production_accepts_a_random_secret_of_32_bytes_or_more(environment):
    settings = Settings(environment=environment, token_secret=GOOD_SECRET)
    assert (settings.production, settings.development, settings.token_secret) == (True, False, GOOD_SECRET)
    assert Settings(environment=environment, token_secret=GOOD_SECRET[:32]).production


def test_development_in_any_casing_is_development_and_has_no_secret_of_its_own():
    settings = Settings(environment=" Development ")
    assert (settings.development, settings.production, settings.token_secret) == (True, False, None)


def test_the_environment_is_read_in_any_casing(monkeypatch):
    monkeypatch.setenv("FLIGHTRAK_ENVIRONMENT", "PRODUCTION")
    monkeypatch.setenv("FLIGHTRAK_TOKEN_SECRET", "changeme")
    with pytest.raises(ValueError, match="placeholder"):
        Settings()


@pytest.mark.parametrize("command", ["gateway", "serve identity"])
def test_a_process_that_signs_tokens_refuses_to_start_without_a_secret(command, capsys):
    assert cli.main(command.split()) == 2
    assert capsys.readouterr().err.strip() == f"flightrak {command.split()[0]}: {TOKEN_SECRET_MISSING}"


def test_a_production_process_says_why_its_secret_is_refused_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("FLIGHTRAK_ENVIRONMENT", "Production")
    monkeypatch.setenv("FLIGHTRAK_TOKEN_SECRET", "short-but-random-Zq81")
    assert cli.main(["migrate"]) == 2
    refusal = capsys.readouterr().err
    assert refusal.count("\n") == 1 and "FLIGHTRAK_TOKEN_SECRET is shorter than 32 bytes" in refusal
    assert "short-but-random-Zq81" not in refusal


def test_run_makes_a_secret_readable_by_its_owner_only_and_keeps_it(tmp_path):
    secret = data_dir_token_secret(tmp_path)
    path = tmp_path / TOKEN_SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(secret.encode()) >= 64
    Settings(environment="production", token_secret=secret)  # fit for production
    assert data_dir_token_secret(tmp_path) == secret
    assert path.read_text().strip() == secret


def test_each_data_directory_has_its_own_secret(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    assert data_dir_token_secret(first) != data_dir_token_secret(second)


def test_an_emptied_secret_file_is_refused_not_used(tmp_path):
    (tmp_path / TOKEN_SECRET_FILE).write_text("")
    with pytest.raises(RuntimeError, match="empty"):
        data_dir_token_secret(tmp_path)


def manifests() -> list[dict]:
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]


def flightrak_containers() -> list[dict]:
    found = []
    for doc in manifests():
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        found += [c for c in pod.get("containers", []) + pod.get("initContainers", []) if c["image"] == "flightrak"]
    return found


def test_the_manifests_ship_no_secret_and_no_placeholder():
    assert not [doc["metadata"]["name"] for doc in manifests() if doc["kind"] == "Secret"]
    for doc in manifests():
        for value in (doc.get("data") or {}).values():
            assert "CHANGE_ME" not in value.upper()
        assert "FLIGHTRAK_TOKEN_SECRET" not in (doc.get("data") or {})


def test_every_flightrak_container_takes_the_token_secret_from_a_secret_it_cannot_start_without():
    containers = flightrak_containers()
    assert {c["command"][1] for c in containers} == {"migrate", "serve", "worker", "gateway"}
    for container in containers:
        env = {variable["name"]: variable for variable in container.get("env", [])}
        token = env["FLIGHTRAK_TOKEN_SECRET"]
        assert "value" not in token, container["name"]
        reference = token["valueFrom"]["secretKeyRef"]
        assert reference["name"] and reference["key"] and reference.get("optional") is not True
        assert not any("secretRef" in source for source in container.get("envFrom", []))
