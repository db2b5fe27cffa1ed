"""`python -m bench` refuses to start without matplotlib instead of failing after an hour of benchmarks."""

import importlib.util

import bench.__main__ as bench_command


def test_without_matplotlib_it_stops_before_running_anything(monkeypatch, capsys):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "matplotlib" else real_find_spec(name, *args))
    ran = []
    monkeypatch.setattr(bench_command, "run_step", lambda *args: ran.append(args))
    monkeypatch.setattr(bench_command, "RESULTS", None)  # any use of the results folder would raise

    assert bench_command.main(["--only", "machine"]) == 2
    assert ran == []
    assert "pip install -e '.[bench]'" in capsys.readouterr().err
