"""The portal's OpenAPI document is one clients can be generated from.

Starts the portal (the binary given, on a free local port, with a fresh data directory), fetches
/api/openapi.json, validates it with openapi-spec-validator, generates a Python client from it
with openapi-python-client, and submits the RF-1140 example delivery through that client as the
test organisation's system user: first to `validering`, then for real. Skatteetaten's own example
is used when TASTESKJEMA_REFERENCE_DIR points at the official specs (as in CI); otherwise the
repository's example.

    python3 tests/openapi/client_check.py target/release/tasteskjema
"""

import copy
import importlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ORG = "819897522"
SCOPE = "skatteetaten:innrapporteringboligsameie"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def synthetic_fnr():
    """A Tenor-style test number (birth month + 80) that passes both mod-11 checks."""
    for n in range(100, 999):
        d = [int(c) for c in f"0181{80}{n:03d}"[:9]]
        w1 = [3, 7, 6, 1, 8, 9, 4, 5, 2]
        k1 = 11 - sum(a * b for a, b in zip(d, w1)) % 11
        k1 = 0 if k1 == 11 else k1
        if k1 == 10:
            continue
        d.append(k1)
        w2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
        k2 = 11 - sum(a * b for a, b in zip(d, w2)) % 11
        k2 = 0 if k2 == 11 else k2
        if k2 == 10:
            continue
        d.append(k2)
        return "".join(map(str, d))
    raise RuntimeError("no synthetic number")


def example():
    ref = os.environ.get("TASTESKJEMA_REFERENCE_DIR")
    if ref:
        path = os.path.join(ref, "skatteetaten", "boligsameie-innsending.request.json")
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        doc["leveranse"]["inntektsaar"] = 2025
        # The documentation's placeholder person number, replaced by a synthetic one.
        fnr = synthetic_fnr()
        for task in doc["leveranse"].get("oppgave", []):
            owner = task.get("oppgaveeier", {})
            if owner.get("foedselsnummer") == "00000000000":
                owner["foedselsnummer"] = fnr
        return "Skatteetaten's example", doc
    with open(os.path.join(ROOT, "docs", "examples", "rf1140-2025.json"), encoding="utf-8") as f:
        return "the repository's example", json.load(f)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="tasteskjema-openapi-")
    port = free_port()
    env = dict(os.environ)
    env.update(
        TASTESKJEMA_LISTEN=f"127.0.0.1:{port}",
        TASTESKJEMA_DATA_DIR=os.path.join(work, "data"),
        TASTESKJEMA_LOG="warn",
    )
    server = subprocess.Popen([binary], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        url = wait_for_address(server)
        with urllib.request.urlopen(f"{url}/api/openapi.json") as r:
            spec = json.load(r)

        from openapi_spec_validator import validate

        validate(spec)
        assert spec["openapi"].startswith("3.1"), spec["openapi"]
        for path, item in spec["paths"].items():
            for op in item.values():
                oid = op["operationId"]
                assert re.fullmatch(r"[A-Za-z0-9_]+", oid), f"{path}: operationId {oid!r}"
                assert op.get("tags"), f"{path}: no tags"
        for name, schema in spec["components"]["schemas"].items():
            assert re.fullmatch(r"[A-Za-z0-9]+", name), f"schema name {name!r}"
            assert schema.get("title", name) == name, f"{name}: title {schema.get('title')!r}"
        print(f"openapi: {len(spec['paths'])} paths, valid OpenAPI {spec['openapi']}")

        spec_file = os.path.join(work, "openapi.json")
        with open(spec_file, "w", encoding="utf-8") as f:
            json.dump(spec, f)
        out = os.path.join(work, "client")
        subprocess.run(
            ["openapi-python-client", "generate", "--path", spec_file, "--output-path", out,
             "--meta", "none"],
            check=True,
        )
        sys.path.insert(0, work)
        package = os.path.basename(out)
        client_mod = importlib.import_module(f"{package}.client")
        check_op = importlib.import_module(f"{package}.api.rf_1140.validering_rf1140")
        submit_op = importlib.import_module(f"{package}.api.rf_1140.innsending_rf1140")
        model = importlib.import_module(f"{package}.models.rf1140").RF1140

        token = subprocess.run(
            [binary, "dev", "token", "--org", ORG, "--scope", SCOPE],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()
        client = client_mod.AuthenticatedClient(base_url=url, token=token)
        which, doc = example()
        body = model.from_dict(copy.deepcopy(doc))
        key = str(uuid.uuid4())
        checked = check_op.sync_detailed(client=client, inntektsaar="2025", body=body, idempotency_key=key)
        assert checked.status_code == 200, (checked.status_code, checked.content)
        answer = json.loads(checked.content)
        assert "dialogId" not in answer, answer
        sent = submit_op.sync_detailed(client=client, inntektsaar="2025", body=body, idempotency_key=key)
        assert sent.status_code == 200, (sent.status_code, sent.content)
        receipt = json.loads(sent.content)
        assert uuid.UUID(receipt["dialogId"]) and uuid.UUID(receipt["forsendelseId"]), receipt
        assert receipt["antallOppgaver"] == answer["antallOppgaver"] == len(doc["leveranse"]["oppgave"])
        print(f"openapi: a generated client validated and submitted {which}: {receipt['antallOppgaver']} oppgaver, forsendelse {receipt['forsendelseId']}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


def wait_for_address(server, timeout=30):
    deadline = time.time() + timeout
    seen = ""
    while time.time() < deadline:
        line = server.stdout.readline()
        if not line:
            if server.poll() is not None:
                raise RuntimeError(f"the portal exited early: {seen}")
            continue
        seen += line
        m = re.search(r"open (http://[^\s/]+)/?", line)
        if m:
            return m.group(1)
    raise RuntimeError(f"the portal printed no address: {seen}")


if __name__ == "__main__":
    main()
