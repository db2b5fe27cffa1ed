import math

import pytest
import torch

from bindspace.training.schedule import WarmupCosine, warmup_cosine_scheduler


def test_warmup_rises_linearly_then_cosine_reaches_floor():
    schedule = WarmupCosine(total_steps=110, warmup_steps=10, min_ratio=0.1)
    assert schedule(0) == pytest.approx(1 / 11)
    assert schedule(4) == pytest.approx(5 / 11)
    assert schedule(10) == pytest.approx(1.0)
    assert schedule(60) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert schedule(110) == pytest.approx(0.1)
    assert schedule(500) == pytest.approx(0.1)
    values = [schedule(step) for step in range(10, 111)]
    assert all(later <= earlier for earlier, later in zip(values, values[1:]))


def test_no_warmup_starts_at_full_rate():
    assert WarmupCosine(total_steps=10)(0) == pytest.approx(1.0)
    assert WarmupCosine(total_steps=10)(10) == pytest.approx(0.0)


@pytest.mark.parametrize("kwargs", [dict(total_steps=0), dict(total_steps=5, warmup_steps=6),
                                    dict(total_steps=5, min_ratio=1.5)])
def test_rejects_invalid_settings(kwargs):
    with pytest.raises(ValueError):
        WarmupCosine(**kwargs)


def test_scheduler_drives_optimizer_and_round_trips_state():
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=0.5)
    scheduler = warmup_cosine_scheduler(optimizer, total_steps=20, warmup_steps=4)
    for _ in range(7):
        optimizer.step()
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.5 * WarmupCosine(20, 4)(7))

    resumed_optimizer = torch.optim.SGD([parameter], lr=0.5)
    resumed = warmup_cosine_scheduler(resumed_optimizer, total_steps=20, warmup_steps=4)
    resumed.load_state_dict(scheduler.state_dict())
    resumed_optimizer.load_state_dict(optimizer.state_dict())
    for _ in range(3):
        optimizer.step(); scheduler.step()
        resumed_optimizer.step(); resumed.step()
    assert resumed_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
