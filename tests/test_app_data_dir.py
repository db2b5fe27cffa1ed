"""The data directory is private by default (0700, files 0600); the mask is a setting."""

import os
import stat

import numpy as np
import pytest

from bindspace.app.data_dir import open_database
from bindspace.engine.settings import Settings
from bindspace.index import Item


@pytest.fixture()
def restore_umask():
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


def modes(directory) -> dict[str, int]:
    return {str(p.relative_to(directory)): stat.S_IMODE(p.stat().st_mode) for p in directory.rglob("*")}


def populate(settings: Settings) -> None:
    with open_database(settings) as db:
        collection = db.create_collection("c", 4)
        collection.upsert([Item("a", np.ones(4), "vector", {"k": "v"})])
        collection.checkpoint()


def test_everything_the_service_writes_is_private_by_default(tmp_path, restore_umask) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)  # made before the setting existed
    populate(Settings(data_dir=data))
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    written = modes(data)
    assert any(name.endswith("items.sqlite3") for name in written) and any("snapshot" in n for n in written)
    for name, mode in written.items():
        assert mode & 0o077 == 0, f"{name} is {oct(mode)}"


def test_the_umask_is_configurable_as_octal(tmp_path, restore_umask) -> None:
    settings = Settings(data_dir=tmp_path / "data", umask="027")
    assert settings.umask == 0o027
    populate(settings)
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o750
    for name, mode in modes(settings.data_dir).items():
        assert mode & 0o007 == 0 and (mode & 0o040 or name == "LOCK"), f"{name} is {oct(mode)}"
    with pytest.raises(ValueError, match="octal mask"):
        Settings(umask="rwx")
