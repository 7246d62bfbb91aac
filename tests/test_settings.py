"""Settings worked out from the environment that the tests' own settings cannot show: each case
imports the settings module afresh in a process of its own."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def simulator_options(tmp_path, **extra_env) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MATRICULE_")}
    environment.update(extra_env, MATRICULE_VAR_DIR=str(tmp_path))
    show = (
        "import json; from matricule import settings as s; "
        "print(json.dumps(s.MATRICULE_PAYMENT_GATEWAYS['simulator']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", show],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
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
