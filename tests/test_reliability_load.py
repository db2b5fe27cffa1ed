"""A short bounded load test: 64 concurrent clients for 20 s of mixed embed, index and search traffic.

The encoder queues are made small (4 items, the largest request the mix sends) so that the server has to
push back: no 5xx, no transport error, 429 (with Retry-After) the only refusal, and the resident memory of
the server and its encoder worker stable after the warm-up (under 10% growth). The long run is
`python tests/reliability_load.py --seconds 180 --clients 64`, which writes bench/results/load.md.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from reliability_load import MIX, run_load_test
from server_process import shared_tiny_model


def test_short_load_run_is_clean_and_memory_stable(tmp_path) -> None:
    report = run_load_test(tmp_path, seconds=20, clients=64, warmup=8, max_requests=20_000, seed=3, queue_size=4,
                           model_dir=shared_tiny_model())
    print(report.markdown("run_load_test(seconds=20, clients=64, warmup=8, queue_size=4)"))
    problems = (report.transport_errors + report.unexpected)[:10]
    assert report.server_errors == 0, report.statuses
    assert not problems, problems
    assert set(report.statuses) == {200, 429}, report.statuses  # 429: the small queues pushed back
    assert report.requests > 200, "too little traffic to judge"
    assert all(report.latencies[operation] for operation in MIX), "an operation was never exercised"
    assert report.rss_growth < 0.10, f"resident memory grew {100 * report.rss_growth:.1f}% after the warm-up"
    assert report.server_log_tracebacks == 0
    assert report.ok
