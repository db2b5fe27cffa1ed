"""The installed package: one `bindspace` namespace, no generic top-level modules, the model data inside."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_regular_install_holds_only_the_bindspace_namespace(tmp_path) -> None:
    # Built from a copy, so that the build's scratch folders never land in the checkout.
    source = shutil.copytree(ROOT, tmp_path / "source", ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", "data", "runs"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                    "--target", str(target), str(source)], check=True, timeout=300,
                   env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    top_level = {path.name for path in target.iterdir() if not path.name.endswith((".dist-info", ".egg-info"))}
    assert top_level == {"bindspace", "bin"} or top_level == {"bindspace"}
    packages = {path.name for path in (target / "bindspace").iterdir()}
    assert {"app", "engine", "index", "models", "training"} <= packages
    assert not packages & {"tests", "bench", "docs"}
    code = ("import bindspace.app.main, bindspace.engine.engine, bindspace.index, bindspace.models.kinds, "
            "bindspace.training.corpus, bindspace.models; print(bindspace.models.__file__)")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(target), "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(str(target / "bindspace" / "models"))
    assert list((target / "bindspace" / "models" / "weights" / "default").glob("*.json"))
    assert (target / "bindspace" / "models" / "store" / "registry.json").is_file()
    page = target / "bindspace" / "app" / "routers" / "page" / "static"
    assert {path.name for path in page.iterdir()} == {"index.html", "page.css", "page.js", "api.js", "dom.js", "files.js", "previews.js"}
