"""Shared by the tests: small scenarios, and the skip for tests that need namespaces."""
import json
import os
import shutil
import tempfile
import unittest

from . import netns


def namespaces_unavailable():
    """Why network namespaces cannot be made here, or None."""
    if shutil.which(netns.IP) is None:
        return "iproute2's ip is not installed"
    why = netns.missing_privilege()
    if why:
        return why
    probe = f"{netns.PREFIX}{os.getpid()}-probe"
    done = netns._ip("netns", "add", probe, check=False)
    netns.remove(probe)
    if done.returncode:
        return f"ip netns add fails here: {done.stderr.strip()}"
    return None


_WHY = namespaces_unavailable()
if _WHY:
    print(f"skipping the kernel tests: {_WHY}", flush=True)

needs_namespaces = unittest.skipIf(_WHY is not None, f"needs network namespaces: {_WHY}")


def scenario(**changes):
    """A one-worker, one-client scenario on a near-zero-delay link; changes are top-level
    keys, or dotted paths ("server.backlog")."""
    doc = {
        "name": "kernel-test",
        "duration": "1s",
        "topology": {
            "nodes": [{"id": "client"}, {"id": "server"}],
            "links": [{"between": ["client", "server"], "rate": "10Gbps", "delay": "100us"}],
        },
        "server": {"host": "server", "port": 8080, "workers": 1, "backlog": 16,
                   "service_time": "1ms"},
        "clients": {"hosts": "client", "rate": 10, "arrival": "constant",
                    "request_bytes": 100, "response_bytes": 1000, "stop": "0.05s"},
        "events": [],
    }
    for key, value in changes.items():
        cur = doc
        *parts, last = key.split(".")
        for part in parts:
            cur = cur[int(part)] if isinstance(cur, list) else cur[part]
        cur[last] = value
    return doc


def write_scenario(doc, folder):
    path = os.path.join(folder, f"{doc['name']}.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def temp_dir(test):
    d = tempfile.mkdtemp(prefix="validate-test-")
    test.addCleanup(shutil.rmtree, d, True)
    return d
