"""The deployment files of deploy/, Containerfile and compose.yaml, checked without a container
engine (none runs here): nginx's sample by nginx's own parser (crossplane), the service units by
`systemd-analyze verify`, the compose file and the Containerfile by reading them against what
the application expects (its settings' variables, its body limits, its health check)."""

import math
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import crossplane
import pytest
import yaml
from django.core.management import get_commands
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent
NGINX = ROOT / "deploy" / "nginx" / "matricule.conf"
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
MiB = 1024 * 1024


def settings_variables() -> set[str]:
    """Every MATRICULE_* variable the settings read (each through a typed reader of env.py)."""
    source = (ROOT / "matricule" / "settings.py").read_text()
    return {f"MATRICULE_{name}" for name in re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', source)}


def largest_body_limit() -> int:
    """The largest request body any page accepts (bodylimit.accepts_body), as the application
    computes it with the current settings."""
    from django.conf import settings

    limits = [settings.MATRICULE_REQUEST_MAX_BYTES]

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                limit = getattr(entry.callback, "body_limit", None)
                if limit is not None:
                    limits.append(limit() if callable(limit) else limit)

    walk(get_resolver().url_patterns)
    return max(limits)


# nginx


def nginx_directives():
    """The sample parsed as nginx reads it: included in the http block of a main file."""
    main = ROOT / "var" / "nginx-check.conf"
    main.parent.mkdir(exist_ok=True)
    main.write_text(f"events {{}}\nhttp {{ include {NGINX}; }}\n")
    try:
        parsed = crossplane.parse(str(main), strict=True, check_ctx=True, check_args=True)
    finally:
        main.unlink()
    assert parsed["status"] == "ok", parsed["errors"]
    (sample,) = [config for config in parsed["config"] if config["file"] == str(NGINX)]
    return sample["parsed"]


def find(directives, name):
    for directive in directives:
        if directive["directive"] == name:
            yield directive
        yield from find(directive.get("block", []), name)


def test_the_nginx_sample_is_valid_nginx():
    directives = nginx_directives()  # parsing it strictly is the check
    assert [d["args"] for d in find(directives, "upstream")] == [["matricule"]]
    listens = [d["args"][0] for d in find(directives, "listen")]
    assert "80" in listens and "443" in listens


def test_the_proxy_body_limit_is_the_largest_page_limit_of_the_application():
    directives = nginx_directives()
    (limit,) = [d["args"][0] for d in find(directives, "client_max_body_size")]
    assert limit.endswith("m")
    # Larger than every page's limit (so the application answers in the student's language),
    # by less than a megabyte (so nothing larger than the application reads is buffered).
    assert int(limit[:-1]) == math.ceil(largest_body_limit() / MiB)


def test_the_client_address_is_set_by_the_proxy_never_passed_on():
    directives = nginx_directives()
    for location in find(directives, "location"):
        block = location["block"]
        if not any(d["directive"] == "proxy_pass" for d in block) or location["args"] == ["=", "/healthz"]:
            continue
        headers = {d["args"][0]: d["args"][1] for d in block if d["directive"] == "proxy_set_header"}
        assert headers["X-Forwarded-For"] == "$remote_addr", location["args"]
        assert headers["X-Forwarded-Proto"] == "$scheme"
    assert "$proxy_add_x_forwarded_for" not in NGINX.read_text()


def test_the_proxy_waits_longer_than_the_web_server_and_speaks_only_recent_tls():
    directives = nginx_directives()
    (read_timeout,) = [d["args"][0] for d in find(directives, "proxy_read_timeout")]
    assert int(read_timeout.rstrip("s")) > gunicorn_timeout()
    (protocols,) = [d["args"] for d in find(directives, "ssl_protocols")]
    assert set(protocols) <= {"TLSv1.2", "TLSv1.3"}


# Containerfile


def container_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Containerfile").read_text()
    logical, current = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") and not current:
            continue
        if line.lstrip().startswith("#"):
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            if current.strip():
                keyword, _, rest = current.strip().partition(" ")
                logical.append((keyword.upper(), rest.strip()))
            current = ""
    return logical


def gunicorn_timeout() -> int:
    (command,) = [rest for keyword, rest in container_instructions() if keyword == "CMD"]
    args = yaml.safe_load(command)  # a JSON array
    return int(args[args.index("--timeout") + 1])


def test_the_image_runs_as_a_user_and_checks_its_health_on_healthz():
    instructions = container_instructions()
    keywords = [keyword for keyword, _ in instructions]
    assert instructions[0][0] == "FROM" and instructions[0][1].startswith("python:3.11")
    user = [rest for keyword, rest in instructions if keyword == "USER"]
    assert user and user[-1] not in ("root", "0")
    # The last USER comes before the command, so that the server never runs as root.
    assert max(i for i, k in enumerate(keywords) if k == "USER") < keywords.index("CMD")
    (health,) = [rest for keyword, rest in instructions if keyword == "HEALTHCHECK"]
    assert "/healthz" in health
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "collectstatic --noinput" in runs
    assert "-r requirements/base.txt" in runs  # the locked requirements, nothing else
    command = yaml.safe_load(dict(instructions)["CMD"])
    assert command[:2] == ["gunicorn", "matricule.wsgi"]


def test_the_health_check_answers_on_plain_http_even_with_https_on(client, settings):
    # The image's check asks http://127.0.0.1:8000/healthz with the site's host name.
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert response.content == b"ok"


# compose.yaml


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_starts_web_worker_database_redis_and_an_object_store():
    services = compose()["services"]
    assert {"web", "worker", "db", "redis", "s3", "migrate"} <= set(services)
    for name in ("web", "worker", "migrate"):
        assert services[name]["build"]["dockerfile"] == "Containerfile"
        assert services[name]["image"] == services["web"]["image"]
    assert services["worker"]["command"][-1] == "run_worker"
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    # Only the web server is reachable from the host; the rest talk on the compose network.
    assert [name for name, service in services.items() if "ports" in service] == ["web"]


def test_compose_services_depend_on_services_that_exist_and_volumes_that_are_declared():
    spec = compose()
    services = spec["services"]
    for name, service in services.items():
        for needed, condition in service.get("depends_on", {}).items():
            assert needed in services, (name, needed)
            assert condition["condition"] in {"service_healthy", "service_completed_successfully"}
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[needed] or needed == "web", needed
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in spec["volumes"], volume


def test_compose_web_and_worker_keep_no_state_of_their_own():
    services = compose()["services"]
    for name in ("web", "worker"):
        environment = services[name]["environment"]
        assert environment["MATRICULE_STORAGE"] == "s3"
        assert environment["MATRICULE_SESSIONS"] == "cache"
        assert environment["MATRICULE_TASKS_BACKEND"] == "redis"
        assert environment["MATRICULE_CACHE_URL"].startswith("redis://")
        assert environment["MATRICULE_DATABASE_URL"].startswith("postgres://")
        assert "volumes" not in services[name]


def test_compose_sets_only_variables_the_settings_read():
    known = settings_variables()
    for name in ("web", "worker"):
        environment = compose()["services"][name]["environment"]
        unknown = sorted(key for key in environment if key.startswith("MATRICULE_") and key not in known)
        assert unknown == []


def test_every_value_compose_requires_is_in_the_example_environment_file():
    text = (ROOT / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{(\w+):\?", text))
    example = (ROOT / "deploy" / "compose.env.example").read_text()
    given = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert required and required <= given


# systemd units


def unit_commands(unit: Path) -> list[list[str]]:
    commands = []
    for line in unit.read_text().splitlines():
        key, _, value = line.partition("=")
        if key in ("ExecStart", "ExecStartPre"):
            commands.append(shlex.split(value))
    return commands


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_the_service_units_run_commands_that_exist(unit):
    for command in unit_commands(unit):
        if command[1:2] == ["manage.py"]:
            assert command[2] in get_commands(), command
        else:
            assert Path(command[0]).name == "gunicorn"
            assert command[1] == "matricule.wsgi"
            assert int(command[command.index("--timeout") + 1]) == gunicorn_timeout()
    assert re.search(r"^User=(?!root$)\w+$", unit.read_text(), re.M)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_systemd_accepts_the_service_units(unit, tmp_path):
    def verify(text: str) -> str:
        # The units name /srv/matricule: point them at this checkout, whose .venv exists.
        path = tmp_path / unit.name
        env = tmp_path / "matricule.env"
        env.touch()
        text = text.replace("/srv/matricule", str(ROOT)).replace("/etc/matricule/matricule.env", str(env))
        path.write_text(text)
        done = subprocess.run(
            ["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60, check=False
        )
        return (done.stdout + done.stderr).strip()

    text = unit.read_text()
    assert verify(text) == ""
    # The check can fail: a misspelt setting is reported.
    assert "Failed to parse" in verify(text.replace("Restart=", "Restart=sometimes-"))
