"""Importing bindspace leaves the process environment as it found it (open_clip's downloads keep working)."""

import json
import os
import subprocess
import sys


def test_importing_bindspace_sets_no_environment_variables():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE"))}
    code = (
        "import json, os; before = dict(os.environ); "
        "import bindspace.models, bindspace.models.openclip, bindspace.models.store, bindspace.engine.engine, "
        "bindspace.app.main, bindspace.app.cli; after = dict(os.environ); "
        "print(json.dumps({k: after.get(k) for k in set(before) | set(after) if before.get(k) != after.get(k)}))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}
