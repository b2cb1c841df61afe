"""Run the till's ES modules under Node from a test (skipped where Node is missing)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

POS_JS = Path(__file__).resolve().parents[3] / "src/itplus/store/till/static/pos"
NODE = shutil.which("node")

needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def run_module(module: str, alias: str, expression: str):
    """Evaluate ``expression`` with pos/``module`` imported as ``alias``; its JSON value."""
    script = (
        f"const {alias} = await import({json.dumps((POS_JS / module).as_uri())});\n"
        f"process.stdout.write(JSON.stringify({expression}));"
    )
    result = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)
