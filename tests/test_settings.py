"""Settings worked out from the environment that the tests' own settings cannot show: each case
imports the settings module afresh in a process of its own."""

import json

from tests.processes import PYTHON, clean_environment, run


def simulator_options(tmp_path, **extra_env) -> dict:
    environment = clean_environment(**extra_env, MATRICULE_VAR_DIR=str(tmp_path))
    show = (
        "import json; from matricule import settings as s; "
        "print(json.dumps(s.MATRICULE_PAYMENT_GATEWAYS['simulator']))"
    )
    result = run([PYTHON, "-c", show], environment=environment, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_simulator_secret_is_kept_in_the_instance_folder_not_derived_from_the_secret_key(tmp_path):
    options = simulator_options(tmp_path)
    assert options == {"secret": "", "secret_file": str(tmp_path / "payment-simulator.secret")}
    given = simulator_options(tmp_path, MATRICULE_PAYMENT_SIMULATOR_SECRET="a-secret-shared-by-two-machines")
    assert given["secret"] == "a-secret-shared-by-two-machines"


def test_the_simulator_is_not_configured_where_a_real_gateway_is(tmp_path):
    production = {"MATRICULE_DEBUG": "false", "MATRICULE_SECRET_KEY": "s" * 50}
    assert simulator_options(tmp_path, **production) == {}
    test_instance = {
        **production,
        "MATRICULE_PAYMENT_GATEWAY": "simulator",
        "MATRICULE_PAYMENT_SIMULATOR": "true",
    }
    assert simulator_options(tmp_path, **test_instance)["secret_file"].startswith(str(tmp_path))


def test_the_session_user_is_cached_only_in_a_cache_every_process_shares(tmp_path):
    show = "from matricule import settings as s; print(s.SESSION_USER_CACHE)"
    for cache_url, expected in (("redis://127.0.0.1:6379/0", "True"), ("locmem", "False"), ("db", "False")):
        environment = clean_environment(MATRICULE_VAR_DIR=str(tmp_path), MATRICULE_CACHE_URL=cache_url)
        result = run([PYTHON, "-c", show], environment=environment, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected, cache_url
