"""Crash recovery: the real server killed with SIGKILL 20 times under concurrent writers loses nothing.

The long run is `python tests/reliability_crash.py --kills 200` (see that script and docs/reliability.md).
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from reliability_crash import COLLECTIONS, run_crash_test
from server_process import shared_tiny_model


def test_sigkill_during_writes_loses_no_acknowledged_item(tmp_path) -> None:
    report = run_crash_test(tmp_path, kills=20, seed=7, writers=2, max_batch=4, max_seconds=0.6,
                            model_dir=shared_tiny_model())
    print(report.summary())
    assert report.ok, report.summary()
    assert report.kills == 20
    assert report.acknowledged_items > 100, "too little was written to prove anything"
    assert report.in_flight_requests > 0, "no kill caught a write in flight"
    assert set(report.final_items) == set(COLLECTIONS) and all(report.final_items.values())
