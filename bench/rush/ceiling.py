"""The trivial-page ceiling: /healthz (a bare Django view) served by the same processes, measured
with the same tool. Writes {"requests", "failures", "seconds"} to RUSH_RESULTS at the end.
RUSH_HOSTS (bench/rush/run --cluster): the web nodes' base URLs, the probes spread over them."""

import itertools
import json
import os
import time
from pathlib import Path

from locust import FastHttpUser, constant, events, task

HOSTS = [host for host in os.environ.get("RUSH_HOSTS", "").split(",") if host]
NEXT = itertools.count()
COUNTS = {"requests": 0, "failures": 0, "first": None, "last": None}


class Probe(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        if HOSTS:
            self.client.base_url = HOSTS[next(NEXT) % len(HOSTS)]

    @task
    def health(self):
        self.client.get("/healthz", name="healthz")


@events.request.add_listener
def on_request(exception=None, **kwargs):
    now = time.time()
    COUNTS["first"] = COUNTS["first"] or now
    COUNTS["last"] = now
    COUNTS["requests"] += 1
    COUNTS["failures"] += exception is not None


@events.test_stop.add_listener
def on_stop(environment, **kwargs):
    if os.environ.get("RUSH_RESULTS"):
        seconds = (COUNTS["last"] or 0) - (COUNTS["first"] or 0)
        Path(os.environ["RUSH_RESULTS"]).write_text(
            json.dumps({"requests": COUNTS["requests"], "failures": COUNTS["failures"], "seconds": seconds})
        )
