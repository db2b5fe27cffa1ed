"""Per-step training metrics: a CSV file, mirrored to TensorBoard when `torch.utils.tensorboard` imports."""

import csv
import os
from pathlib import Path


def _tensorboard_writer(folder: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is optional
        return None
    return SummaryWriter(log_dir=str(folder))


class MetricsLog:
    """Appends rows `{step, stage, name: value, ...}` to `<run_dir>/metrics.csv` (long format: one row
    per metric), so rows with different metric sets share one file."""

    FIELDS = ("stage", "step", "name", "value")

    def __init__(self, run_dir: str | os.PathLike, *, tensorboard: bool = True):
        self.path = Path(run_dir) / "metrics.csv"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            with self.path.open("w", newline="") as handle:
                csv.writer(handle).writerow(self.FIELDS)
        self._tensorboard = _tensorboard_writer(Path(run_dir) / "tensorboard") if tensorboard else None

    def log(self, stage: str, step: int, values: dict[str, float]) -> None:
        with self.path.open("a", newline="") as handle:
            writer = csv.writer(handle)
            for name, value in values.items():
                writer.writerow((stage, step, name, f"{value:.6g}"))
        if self._tensorboard is not None:
            for name, value in values.items():
                self._tensorboard.add_scalar(f"{stage}/{name}", value, step)

    def truncate_after(self, stage: str, step: int) -> None:
        """Drop the rows of `stage` logged after `step` (they are recomputed after a resume)."""
        with self.path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        kept = [rows[0]] + [row for row in rows[1:] if not (row[0] == stage and int(row[1]) > step)]
        with self.path.open("w", newline="") as handle:
            csv.writer(handle).writerows(kept)

    def rows(self, stage: str | None = None) -> list[dict[str, str]]:
        with self.path.open(newline="") as handle:
            return [row for row in csv.DictReader(handle) if stage is None or row["stage"] == stage]

    def close(self) -> None:
        if self._tensorboard is not None:
            self._tensorboard.close()
