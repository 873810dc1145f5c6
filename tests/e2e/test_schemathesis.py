"""Hostile input, generated: schemathesis builds documents for every query and mutation of the live
schema (loaded by introspection, as a client would) with arbitrary arguments and selections, and
sends them over real HTTP with an internal user's token to a server on a private database copy.

The promise is that nothing a caller sends makes the server fail: no 5xx, no masked ("Unexpected
error.") GraphQL error, no null in a non-null field, and an answer within a bounded time. Refusals
(validation errors, `UserError`s, not-found, 403) are the expected outcome for most of these inputs.
Generation is derandomized, so a run is reproducible and a failure can be replayed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.graphql import nodes

from api.graphql.authz import AUTHENTICATED, policy_for
from domain.identity.policy import ROLE_PERMISSIONS
from domain.principal import Role
from tests.e2e.conftest import ROOT, free_port

POSITIVE_EXAMPLES = int(os.environ.get("IMS_FUZZ_EXAMPLES", "8"))
NEGATIVE_EXAMPLES = int(os.environ.get("IMS_FUZZ_NEGATIVE_EXAMPLES", "2"))
# Derandomized (the same documents every run) unless a seed is given for an exploratory run.
SEED = os.environ.get("IMS_FUZZ_SEED")
SLOW_SECONDS = 10.0  # one answer slower than this is a failure (generous: a loaded 2-core machine)
MASKED = "Unexpected error."

# Custom scalars of the schema. Decimals include what parsers trip over; JSON any shape.
_DECIMALS = ["1", "0", "-1", "0.5", "2.25", "1e999", "-1e-999", "NaN", "Infinity", "-0", "1,5", "", " 3 ", "١٢"]
_DECIMALS.append("9" * 40)
schemathesis.graphql.scalar("Decimal", st.sampled_from(_DECIMALS).map(nodes.String))
_JSON_LEAF = st.one_of(
    st.text(max_size=8).map(nodes.String), st.integers().map(nodes.Int), st.booleans().map(nodes.Boolean)
)
schemathesis.graphql.scalar("JSON", st.one_of(_JSON_LEAF, st.lists(_JSON_LEAF, max_size=3).map(nodes.List)))
schemathesis.graphql.scalar("Upload", st.just(nodes.Null))


@dataclass
class Findings:
    sent: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds_by_operation: dict[str, float] = field(default_factory=dict)

    def record(self, label: str, body: str, problem: str) -> None:
        if len(self.failures) < 30:
            self.failures.append(f"{label}: {problem}\n  query: {body[:400]}")


def _token_for(label: str, hq_ops: str, admin: str) -> str:
    """HQ operations can do almost everything; identity and settings are the admin's."""
    type_name, field_name = label.split(".", 1)
    policy = policy_for(type_name, field_name)
    if policy == AUTHENTICATED or policy in ROLE_PERMISSIONS[Role.HQ_OPERATIONS]:
        return hq_ops
    return admin


def _problem(response: requests.Response, elapsed: float) -> str | None:
    if response.status_code >= 500:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    if elapsed > SLOW_SECONDS:
        return f"took {elapsed:.1f} s"
    try:
        payload = response.json()
    except ValueError:
        return f"HTTP {response.status_code}, not JSON: {response.text[:200]}"
    if not isinstance(payload, dict):
        return f"not a JSON object: {payload!r:.200}"
    for error in payload.get("errors") or []:
        message = error.get("message", "")
        if message == MASKED:
            return f"masked server error (request id {response.headers.get('x-request-id')})"
        if "Cannot return null for non-nullable field" in message:
            return f"schema violation: {message}"
    return None


def _send_examples(operation, mode: GenerationMode, examples: int, call: dict, findings: Findings) -> None:  # type: ignore[no-untyped-def]
    label = operation.label

    @given(case=operation.as_strategy(generation_mode=mode))
    @seed(int(SEED or 0))
    @settings(
        max_examples=examples,
        derandomize=SEED is None,
        database=None,
        deadline=None,
        phases=[Phase.generate],  # record failures instead of shrinking them: bounded time
        suppress_health_check=list(HealthCheck),
    )
    def send(case) -> None:  # type: ignore[no-untyped-def]
        t0 = time.monotonic()
        try:
            response = case.call(**call, timeout=SLOW_SECONDS * 3)
        except requests.RequestException as error:
            findings.record(label, str(case.body), f"transport error {type(error).__name__}: {error}")
            return
        findings.sent += 1
        findings.by_status[response.status_code] = findings.by_status.get(response.status_code, 0) + 1
        problem = _problem(response, time.monotonic() - t0)
        if problem:
            findings.record(label, str(case.body), problem)

    send()


def _fuzz(base: str, hq_ops: str, admin: str) -> Findings:
    schema = schemathesis.graphql.from_url(f"{base}/graphql", headers={"Authorization": f"Bearer {hq_ops}"})
    findings = Findings()
    http = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        call = {
            "base_url": base,
            "session": http,
            "headers": {"Authorization": f"Bearer {_token_for(operation.label, hq_ops, admin)}"},
        }
        started = time.monotonic()
        _send_examples(operation, GenerationMode.POSITIVE, POSITIVE_EXAMPLES, call, findings)
        if NEGATIVE_EXAMPLES > 0:
            _send_examples(operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, call, findings)
        findings.seconds_by_operation[operation.label] = round(time.monotonic() - started, 2)
    return findings


@contextmanager
def _server(db_url: str, log: Path) -> Iterator[str]:
    """`ims serve` with its log kept, so a failure can be explained by the server's traceback."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "IMS_LOG_LEVEL": "WARNING"}
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "ims"), "serve", "--no-migrate", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=sink,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # start-up on a busy machine
        last = ""
        while True:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=1)
                if ready.status_code == 200:
                    break
                last = ready.text
            except httpx.HTTPError as error:
                last = repr(error)
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start ({last}): {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _server_exceptions(log: Path) -> list[str]:
    """Tracebacks the server logged for masked errors (strawberry also logs refusals; skip those)."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        exc = entry.get("exc") or ""
        if exc and "DomainError" not in exc and "PublicError" not in exc and "GraphQLError" not in exc.splitlines()[-1]:
            found.append(exc[-1500:])
    return found


async def test_generated_documents_never_make_the_server_fail(db_url, tokens, tmp_path) -> None:
    hq_ops, admin = await tokens.user("hq.ops"), await tokens.user("admin")
    log = tmp_path / "server.log"
    with _server(db_url, log) as base:
        findings = await asyncio.to_thread(_fuzz, base, hq_ops, admin)
    slowest = sorted(findings.seconds_by_operation.items(), key=lambda kv: -kv[1])[:5]
    summary = f"sent {findings.sent}, statuses {findings.by_status}, slowest operations {slowest}"
    # The run must have reached the resolvers: most generated documents are valid GraphQL.
    assert len(findings.seconds_by_operation) >= 100, summary
    assert findings.sent >= len(findings.seconds_by_operation) * POSITIVE_EXAMPLES // 2, summary
    assert findings.by_status.get(200, 0) > findings.sent // 2, summary
    details = "\n".join(findings.failures) + "\n--- server tracebacks ---\n" + "\n".join(_server_exceptions(log)[:5])
    assert findings.failures == [], f"{summary}\n{details}"


JSON = {"content-type": "application/json"}
LOOKUP = "query($c: String!) { part(code: $c) { code } }"


async def test_hostile_text_and_bodies_are_clear_4xx(client) -> None:
    """Text PostgreSQL cannot store (NUL, lone surrogates), invalid UTF-8, absurd nesting and bodies
    that are JSON but not an object: each a 400 that says what is wrong, never a masked error."""
    nul_variable = await client.post("/graphql", json={"query": LOOKUP, "variables": {"c": "BRK\x00"}})
    nul_literal = await client.post("/graphql", json={"query": '{ part(code: "BRK\\u0000") { code } }'})
    surrogate = await client.post(
        "/graphql",
        content=b'{"query": "query($c: String!) { part(code: $c) { code } }", "variables": {"c": "\\ud800"}}',
        headers=JSON,
    )
    for response in (nul_variable, nul_literal, surrogate):
        assert response.status_code == 400, response.text
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and "U+0000" in error["message"]
    assert "variables.c" in nul_variable.json()["errors"][0]["message"]

    bad_utf8 = b'{"query": "{ part(code: \\"\xff\xfe\\") { code } }"}'
    deep = b'{"query": "{ __typename }", "variables": {"v": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    responses = [await client.post("/graphql", content=body, headers=JSON) for body in (bad_utf8, deep, b"5", b"null")]
    for response in responses:
        assert response.status_code == 400, response.text
        assert "JSON" in response.text

    # Ordinary non-ASCII text is of course fine.
    ok = await client.post("/graphql", json={"query": LOOKUP, "variables": {"c": "刹车片"}})
    assert ok.status_code == 200 and ok.json() == {"data": {"part": None}}
