"""docker-compose.yml (docker does not run here, so its structure is checked): the default service on a
FAISS volume, and the `milvus` profile of Milvus standalone, two replicas on it and a balancer in front."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_reference_resolves() -> None:
    spec = compose()
    services, volumes = spec["services"], spec["volumes"]
    for name, service in services.items():
        for dependency in service.get("depends_on", []):
            assert dependency in services, (name, dependency)
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            assert (ROOT / source).is_file() if source.startswith(".") else source in volumes, (name, mount)


def test_milvus_profile_runs_two_stateless_replicas_behind_a_balancer() -> None:
    services = compose()["services"]
    assert "profiles" not in services["bindspace"]  # `docker compose up` keeps serving FAISS
    profile = {name for name, service in services.items() if "milvus" in service.get("profiles", [])}
    assert profile == {"etcd", "minio", "milvus", "bindspace-a", "bindspace-b", "balancer"}
    milvus = services["milvus"]
    assert milvus["environment"]["ETCD_ENDPOINTS"] == "etcd:2379"
    assert milvus["environment"]["MINIO_ADDRESS"] == "minio:9000"
    for replica in ("bindspace-a", "bindspace-b"):
        environment = services[replica]["environment"]
        assert environment["BINDSPACE_INDEX_BACKEND"] == "milvus"
        assert environment["BINDSPACE_MILVUS_URI"] == "http://milvus:19530"
        assert "volumes" not in services[replica]  # nothing to keep: Milvus holds the index
        assert services[replica]["build"]["args"]["BINDSPACE_EXTRAS"] == "milvus"
    balancer = (ROOT / "deploy" / "balancer.conf").read_text()
    assert "server bindspace-a:8080" in balancer and "server bindspace-b:8080" in balancer
    assert set(services["balancer"]["depends_on"]) == {"bindspace-a", "bindspace-b"}
