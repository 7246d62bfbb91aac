"""Several Matricule machines on the loopback, started as an operator starts them (issue 18, item 3):
an S3-compatible server (moto's) with a private bucket, a PostgreSQL database of their own, Redis,
two web nodes (gunicorn) and one task worker, each with its own MATRICULE_VAR_DIR and temporary
folder and nothing else on disk in common. Every wait is on a condition, with a deadline."""

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.processes import PYTHON, ROOT, clean_environment

VENV_BIN = Path(PYTHON).parent
BUCKET = "matricule-cluster"
DATABASE_NAME = "matricule_cluster"
# Redis database 11: the tests use 14, bench/faults 12, bench/rush 13; only this one is flushed.
REDIS_URL = "redis://127.0.0.1:6379/11"
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, what: str, timeout: float = STARTUP_SECONDS, every: float = 0.1):
    """Polls `condition()` until it returns something true, which is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def cluster_database_url(test_database_url: str) -> str:
    """The tests' PostgreSQL server, with a database of the cluster's own."""
    parts = urlsplit(test_database_url)
    return urlunsplit(parts._replace(path=f"/{DATABASE_NAME}"))


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self):
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=15)


@dataclass
class Node:
    name: str
    url: str
    var_dir: Path
    tmp_dir: Path
    process: Process | None = None


@dataclass
class Stack:
    root: Path
    database_url: str
    s3_url: str = ""
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    simulator_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    nodes: list[Node] = field(default_factory=list)
    worker: Node | None = None
    processes: list[Process] = field(default_factory=list)
    # What each VAR_DIR held once deployed (collected static files), before any request.
    deployed: dict[str, set[str]] = field(default_factory=dict)

    # --- Configuration ----------------------------------------------------------------------
    def environment(self, node: Node) -> dict:
        """A production-like environment (DEBUG off) on plain HTTP: what every machine shares
        (database, Redis, bucket, SECRET_KEY, simulator secret) and what is its own (VAR_DIR,
        temporary folder)."""
        return clean_environment(
            DJANGO_SETTINGS_MODULE="matricule.settings",
            MATRICULE_DEBUG="false",
            MATRICULE_HTTPS="false",
            MATRICULE_SECRET_KEY=self.secret_key,
            MATRICULE_ALLOWED_HOSTS="127.0.0.1,localhost",
            # The address in emails and of the bank's notifications: the first node stands for
            # the load balancer.
            MATRICULE_SITE_URL=self.nodes[0].url,
            MATRICULE_DATABASE_URL=self.database_url,
            MATRICULE_CACHE_URL=REDIS_URL,
            MATRICULE_SESSIONS="cache",
            MATRICULE_TASKS_BACKEND="redis",
            MATRICULE_REDIS_URL=REDIS_URL,
            MATRICULE_STORAGE="s3",
            MATRICULE_S3_BUCKET=BUCKET,
            MATRICULE_S3_ENDPOINT_URL=self.s3_url,
            MATRICULE_S3_REGION="us-east-1",
            MATRICULE_S3_ACCESS_KEY="cluster-access",
            MATRICULE_S3_SECRET_KEY="cluster-secret",  # noqa: S106 (moto accepts any)
            MATRICULE_PAYMENT_GATEWAY="simulator",
            MATRICULE_PAYMENT_SIMULATOR="true",
            MATRICULE_PAYMENT_SIMULATOR_SECRET=self.simulator_secret,
            MATRICULE_CVEC_BACKEND="simulator",
            # Written to VAR_DIR/mail by whoever sends: the task worker, whose folder the test reads.
            MATRICULE_EMAIL="file",
            MATRICULE_SCHEDULER_SECONDS="1",
            # Every export through the task queue: its file goes from the worker to the bucket.
            MATRICULE_EXPORT_SYNC_MAX_ROWS="0",
            MATRICULE_LOG_LEVEL="WARNING",
            MATRICULE_VAR_DIR=str(node.var_dir),
            TMPDIR=str(node.tmp_dir),
            # boto3 reads no profile or credentials of the machine.
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )

    def node(self, name: str, port: int) -> Node:
        node = Node(name, f"http://127.0.0.1:{port}", self.root / name / "var", self.root / name / "tmp")
        node.var_dir.mkdir(parents=True)
        node.tmp_dir.mkdir(parents=True)
        return node

    # --- Processes --------------------------------------------------------------------------
    def spawn(self, name: str, args: list[str], environment: dict) -> Process:
        log = self.root / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(  # noqa: S603 (our own commands)
                args, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def manage(self, node: Node, *args: str, timeout: int = 300) -> str:
        done = subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.environment(node),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start_s3(self):
        port = free_port()
        self.s3_url = f"http://127.0.0.1:{port}"
        process = self.spawn(
            "s3", [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], clean_environment()
        )
        wait_until(lambda: not process.alive() or answers(f"{self.s3_url}/moto-api/"), "the S3 server")
        assert process.alive(), process.log.read_text()
        self.s3().create_bucket(Bucket=BUCKET)

    def s3(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            region_name="us-east-1",
            aws_access_key_id="cluster-access",
            aws_secret_access_key="cluster-secret",  # noqa: S106
        )

    def bucket_keys(self) -> list[str]:
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def create_database(self):
        import psycopg

        admin = urlsplit(self.database_url)._replace(path="/postgres")
        with psycopg.connect(urlunsplit(admin), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {DATABASE_NAME}")

    def drop_database(self):
        import psycopg

        admin = urlsplit(self.database_url)._replace(path="/postgres")
        with psycopg.connect(urlunsplit(admin), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")

    def start(self):
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        self.start_s3()
        self.create_database()
        self.nodes = [self.node("node-a", free_port()), self.node("node-b", free_port())]
        self.worker = self.node("worker", 0)
        first = self.nodes[0]
        self.manage(first, "migrate", "--noinput", "-v0")
        # Each machine is deployed alike (the image has its static files built in).
        for node in [*self.nodes, self.worker]:
            self.manage(node, "collectstatic", "--noinput", "-v0")
        for node in [*self.nodes, self.worker]:
            self.deployed[node.name] = files_under(node.var_dir)
        for node in self.nodes:
            node.process = self.spawn(
                node.name,
                [
                    str(VENV_BIN / "gunicorn"),
                    "matricule.wsgi",
                    "--preload",
                    "-w",
                    "2",
                    "-b",
                    node.url.removeprefix("http://"),
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "5",
                    "--log-level",
                    "warning",
                ],
                self.environment(node),
            )
        self.worker.process = self.spawn(
            "worker", [PYTHON, "manage.py", "run_worker", "--interval", "0.2"], self.environment(self.worker)
        )
        for node in self.nodes:
            wait_until(
                lambda node=node: not node.process.alive() or answers(f"{node.url}/healthz"),
                f"{node.name} to answer /healthz",
            )
            assert node.process.alive(), node.process.log.read_text()

    def seed(self) -> dict:
        """The demo instance (`manage.py demo`, run once as an operator would), the waiting room
        of first registrations turned on (its live state is in Redis: every node must agree on
        who is let in), and the admitted candidate whose journey the test follows."""
        self.manage(self.nodes[0], "demo")
        script = (
            "import json\n"
            "from matricule.institution.models import Population, RegistrationWindow\n"
            "from matricule.waitingroom.models import Gate\n"
            "window = RegistrationWindow.objects.get(academic_year__is_current=True, "
            "population=Population.FIRST_MAIN, components__isnull=True)\n"
            "Gate.objects.update_or_create(window=window, defaults={'enabled': True, 'capacity': 50})\n"
            "from matricule.admissions.models import Candidate\n"
            "from matricule.demo.seed import cvec_number, demo_totp_secret\n"
            "c = Candidate.objects.select_related('academic_year').filter("
            "academic_year__is_current=True, parcoursup_number__endswith='0012345').get()\n"
            "print(json.dumps({'number': 'P' + c.parcoursup_number, 'birth_date': c.birth_date.isoformat(),"
            " 'email': c.email, 'cvec': cvec_number(c.academic_year, c),"
            " 'agent_totp': demo_totp_secret('agent.chartres')}))\n"
        )
        return json.loads(self.manage(self.nodes[0], "shell", "-c", script).strip().splitlines()[-1])

    def stop(self):
        for process in reversed(self.processes):
            process.stop()

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name} ---\n{p.log.read_text(errors='replace')[-4000:]}" for p in self.processes
        )

    def tear_down(self):
        import redis

        self.stop()
        try:
            self.drop_database()
        finally:
            redis.Redis.from_url(REDIS_URL).flushdb()
            shutil.rmtree(self.root, ignore_errors=True)


def files_under(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}
