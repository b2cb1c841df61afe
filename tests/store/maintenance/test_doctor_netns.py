"""Doctor's same-segment check (S9) with real addresses: Linux network namespaces joined
by veth pairs, the check run inside them on the interfaces the kernel reports.

    itp-term  10.77.1.1/24 ──veth── 10.77.1.2/24  itp-srv (the server)
                                    10.77.2.254/24 ──veth── 10.77.2.1/24  itp-far
                                    (itp-srv routes between the two)

From itp-term the server is on the same /24; from itp-far it is reachable (through
itp-srv as its router) but on another subnet. Needs root (``ip netns``); elsewhere the
tests skip saying why — except under CI=true, where they must run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SERVER = "10.77.1.2"

# Inside a namespace: the doctor's own functions on that namespace's interfaces.
PROBE = """
import json, sys
import django
django.setup()
from itplus.store.maintenance import doctor
local = doctor.interface_addresses()
segment = doctor.segment_find(local=local, server_addresses=[sys.argv[1]])
check = doctor.check_segment(server_url=f"http://{sys.argv[1]}:8000")
print(json.dumps({
    "local": [[a.interface, a.address, a.netmask] for a in local],
    "same": segment.same, "interface": segment.interface, "network": segment.network,
    "level": check.level, "detail": check.detail,
}))
"""

# An HTTP request to the server's port 8000, retried while the server starts.
REACH = """
import sys, time, urllib.request
for _ in range(50):
    try:
        urllib.request.urlopen(f"http://{sys.argv[1]}:8000/", timeout=2).read()
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("the server was not reached")
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def _unavailable(reason: str) -> None:
    message = f"network namespaces not available: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must run this test)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def namespaces():
    if os.geteuid() != 0:
        _unavailable("not root")
    tag = uuid.uuid4().hex[:6]
    term, srv, far = f"itp-term-{tag}", f"itp-srv-{tag}", f"itp-far-{tag}"
    try:
        _ip("netns", "add", term)
    except (OSError, subprocess.CalledProcessError) as exc:
        _unavailable(getattr(exc, "stderr", "") or str(exc))
    created = [term]
    try:
        for name in (srv, far):
            _ip("netns", "add", name)
            created.append(name)
        # veth pairs are created in the host namespace and moved into their namespaces
        _ip("link", "add", f"t{tag}", "type", "veth", "peer", "name", f"s{tag}")
        _ip("link", "set", f"t{tag}", "netns", term)
        _ip("link", "set", f"s{tag}", "netns", srv)
        _ip("link", "add", f"f{tag}", "type", "veth", "peer", "name", f"r{tag}")
        _ip("link", "set", f"f{tag}", "netns", far)
        _ip("link", "set", f"r{tag}", "netns", srv)
        for ns, dev, addr in (
            (term, f"t{tag}", "10.77.1.1/24"),
            (srv, f"s{tag}", f"{SERVER}/24"),
            (srv, f"r{tag}", "10.77.2.254/24"),
            (far, f"f{tag}", "10.77.2.1/24"),
        ):
            _ip("-n", ns, "addr", "add", addr, "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
        for ns in (term, srv, far):
            _ip("-n", ns, "link", "set", "lo", "up")
        _ip("-n", far, "route", "add", "default", "via", "10.77.2.254")
        _ip("-n", term, "route", "add", "10.77.2.0/24", "via", SERVER)
        subprocess.run(
            ["ip", "netns", "exec", srv, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
            check=True,
            capture_output=True,
        )
        yield {"term": term, "srv": srv, "far": far}
    finally:
        for name in created:  # deleting a namespace deletes its veth ends
            subprocess.run(["ip", "netns", "del", name], capture_output=True)


def run_in(ns: str, *command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run(
        ["ip", "netns", "exec", ns, *command],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


def probe(ns: str, server: str) -> dict:
    done = run_in(ns, sys.executable, "-c", PROBE, server)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_terminal_on_the_servers_24_is_on_the_same_segment(namespaces):
    found = probe(namespaces["term"], SERVER)

    assert ["lo", "127.0.0.1", "255.0.0.0"] in found["local"]
    assert any(addr == "10.77.1.1" and mask == "255.255.255.0" for _, addr, mask in found["local"])
    assert found["same"] is True
    assert found["network"] == "10.77.1.0/24"
    assert found["interface"].startswith("t")
    assert found["level"] == "ok"
    assert "misma red 10.77.1.0/24" in found["detail"]


def test_terminal_on_another_subnet_is_not_although_it_reaches_the_server(namespaces):
    # the server answers from the other subnet: routed, not the same segment
    server = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            namespaces["srv"],
            sys.executable,
            "-m",
            "http.server",
            "8000",
            "--bind",
            SERVER,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        reach = run_in(namespaces["far"], sys.executable, "-c", REACH, SERVER)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert reach.returncode == 0, reach.stderr

    found = probe(namespaces["far"], SERVER)

    assert any(addr == "10.77.2.1" for _, addr, _mask in found["local"])
    assert found["same"] is False
    assert found["level"] == "aviso"
    assert "10.77.2.1/255.255.255.0" in found["detail"]


def test_the_server_itself_is_this_pc(namespaces):
    found = probe(namespaces["srv"], SERVER)

    assert found["same"] is True
    assert found["level"] == "ok"
    assert found["detail"] == "El servidor es este mismo PC."
