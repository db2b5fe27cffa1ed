"""Thread settings: intra-op threads follow the setting (physical cores by default), bad values are refused."""

import pytest
import torch

from bindspace.engine.encoder import Encoder, configure_threads, physical_cores


@pytest.fixture
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_configure_threads_applies_the_setting(restore_threads):
    threads, interop = configure_threads(1)
    assert threads == torch.get_num_threads() == 1
    assert interop == torch.get_num_interop_threads()


def test_default_is_one_thread_per_physical_core(restore_threads):
    torch.set_num_threads(1)
    threads, _ = configure_threads()
    assert threads == torch.get_num_threads() == physical_cores()
    assert 1 <= physical_cores() <= (torch.multiprocessing.cpu_count() or 1)


def test_interop_threads_after_parallel_work_keep_their_value(restore_threads):
    torch.ones(64, 64) @ torch.ones(64, 64)  # the inter-op pool size is fixed once work has run
    before = torch.get_num_interop_threads()
    _, interop = configure_threads(1, interop_threads=before + 1)
    assert interop in (before, before + 1) and interop == torch.get_num_interop_threads()


@pytest.mark.parametrize("value", [0, -2, 1.5, True])
def test_bad_thread_counts_are_refused(value, restore_threads):
    with pytest.raises(ValueError, match="positive integer"):
        configure_threads(value)
    with pytest.raises(ValueError, match="positive integer"):
        configure_threads(1, interop_threads=value)


def test_encoder_applies_its_thread_setting(reference_model, restore_threads):
    torch.set_num_threads(2)
    Encoder(reference_model, precision="float32", threads=1)
    assert torch.get_num_threads() == 1
