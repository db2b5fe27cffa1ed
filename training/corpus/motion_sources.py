"""Motion recipes: how someone handling or riding each concept moves, as orientation + acceleration.

A recipe returns a ``Motion``: Euler angles (roll, pitch, yaw; rad) of the carrier over time,
its linear acceleration in the world frame (m/s^2, gravity excluded), and vibration measured
directly in the sensor frame. ``f.speed`` raises gait cadence, tempo and vibration frequency;
``f.size`` slows and enlarges the movements of bigger instances a little.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .factors import SampleFactors
from .noise import band_noise

IMU_RATE = 400
IMU_STEPS = 2000


@dataclass
class Motion:
    euler: np.ndarray
    """(3, T) roll, pitch, yaw in radians."""
    acc_world: np.ndarray
    """(3, T) linear acceleration in the world frame (z up), without gravity."""
    vib_acc: np.ndarray
    """(3, T) vibration acceleration in the sensor frame."""


Recipe = Callable[[dict[str, float], SampleFactors, np.random.Generator], Motion]

_T = np.arange(IMU_STEPS) / IMU_RATE


def _zeros() -> Motion:
    return Motion(np.zeros((3, IMU_STEPS)), np.zeros((3, IMU_STEPS)), np.zeros((3, IMU_STEPS)))


def _smooth(rng: np.random.Generator, hz: float) -> np.ndarray:
    return band_noise(rng, IMU_STEPS, IMU_RATE, 0.0, hz)


def _vibration(rng: np.random.Generator, centre: float, width: float = 3.0) -> np.ndarray:
    return band_noise(rng, IMU_STEPS, IMU_RATE, max(centre - width, 0.5), min(centre + width, 195.0))


def _phase(rng: np.random.Generator, hz: float) -> np.ndarray:
    return 2 * np.pi * hz * _T + rng.uniform(0, 2 * np.pi)


def _pulses(rng: np.random.Generator, times: np.ndarray, width: float) -> np.ndarray:
    """A sum of Gaussian bumps of unit height at ``times`` (s)."""
    out = np.zeros(IMU_STEPS)
    for t in times:
        out += np.exp(-0.5 * ((_T - t) / width) ** 2)
    return out


def _impacts(rng: np.random.Generator, times: np.ndarray, ring_hz: float, tau: float) -> np.ndarray:
    """Decaying oscillations starting at ``times`` (s), as when something hits a hard surface."""
    out = np.zeros(IMU_STEPS)
    for t in times:
        dt = _T - t
        on = dt >= 0
        out[on] += rng.uniform(0.6, 1.0) * np.exp(-dt[on] / tau) * np.cos(2 * np.pi * ring_hz * dt[on])
    return out


def _periodic_times(rng: np.random.Generator, rate: float, jitter: float = 0.1) -> np.ndarray:
    period = 1 / max(rate, 1e-3)
    times, t = [], float(rng.uniform(0, period))
    while t < _T[-1]:
        times.append(t)
        t += period * float(rng.uniform(1 - jitter, 1 + jitter))
    return np.array(times)


def _poisson_times(rng: np.random.Generator, rate: float) -> np.ndarray:
    return np.sort(rng.uniform(0, _T[-1], rng.poisson(rate * _T[-1])))


def _size_slow(f: SampleFactors) -> float:
    return 1.1 - 0.2 * f.size


def walk(p, f, rng):
    m = _zeros()
    cad = p["cadence"] * (0.6 + 0.8 * f.speed) * _size_slow(f)
    amp = p["amp"] * (0.5 + f.speed)
    ph = _phase(rng, cad)
    m.acc_world[2] = amp * (np.sin(ph) + 0.3 * np.sin(2 * ph + 0.5))
    m.acc_world[0] = 0.5 * amp * np.sin(ph + 1.2)
    m.acc_world[1] = 0.35 * amp * np.sin(ph / 2)
    m.euler[0] = 0.04 * np.sin(ph / 2)
    m.euler[1] = 0.05 * np.sin(ph + 0.3) + 0.05 * _smooth(rng, 0.3)
    m.euler[2] = 0.1 * _smooth(rng, 0.2)
    tugs = _poisson_times(rng, p["tug_rate"])
    m.acc_world[0] -= rng.uniform(3, 8) * _pulses(rng, tugs, 0.06)
    m.euler[1] += 0.1 * _pulses(rng, tugs, 0.08)
    return m


def hold(p, f, rng):
    m = _zeros()
    sway = np.radians(p["sway"])
    for axis in range(3):
        m.euler[axis] = sway * _smooth(rng, 0.5)
    m.acc_world += 0.3 * np.stack([_smooth(rng, 1.5) for _ in range(3)])
    m.vib_acc[2] = p["purr"] * 10 * _vibration(rng, rng.uniform(22, 28), 2.0) * (0.5 + f.temperature)
    for t in _poisson_times(rng, 0.15 + 0.4 * f.speed):
        burst = np.exp(-0.5 * ((_T - t) / 0.25) ** 2)
        m.acc_world[0] += 3 * burst * _smooth(rng, 6.0)
        m.euler[0] += 0.3 * burst * _smooth(rng, 4.0)
    return m


def ride_gait(p, f, rng):
    m = _zeros()
    cad = p["cadence"] * (0.6 + 0.8 * f.speed) * _size_slow(f)
    amp = p["amp"] * (0.5 + f.speed)
    ph = _phase(rng, cad)
    canter = f.speed > 0.6
    m.acc_world[2] = amp * (np.sin(ph) + (0.5 * np.sin(2 * ph) if not canter else 0.5 * np.sin(3 * ph)))
    m.acc_world[0] = 0.4 * amp * np.sin(ph + 1.0)
    m.euler[1] = 0.08 * np.sin(ph)
    m.euler[0] = 0.03 * np.sin(ph / 2)
    m.euler[2] = 0.15 * _smooth(rng, 0.1)
    return m


def perch(p, f, rng):
    m = _zeros()
    m.euler += 0.03 * np.stack([_smooth(rng, 0.3) for _ in range(3)])
    m.vib_acc += 0.05 * np.stack([_vibration(rng, 10.0, 2.0) for _ in range(3)])
    for t in _poisson_times(rng, p["bursts"] * (0.5 + f.speed)):
        gate = ((_T >= t) & (_T < t + rng.uniform(0.3, 1.0))).astype(float)
        flap = np.sin(_phase(rng, p["flutter"]))
        m.acc_world[2] += rng.uniform(1, 3) * gate * flap
        m.acc_world[1] += rng.uniform(0.5, 1.5) * gate * np.cos(_phase(rng, p["flutter"]))
    return m


def toss(p, f, rng):
    m = _zeros()
    times = _periodic_times(rng, p["rate"] * (0.6 + 0.8 * f.speed), 0.3)
    m.euler[1] = np.radians(p["swing"]) * _pulses(rng, times, 0.15)
    m.acc_world[0] = 6 * (_pulses(rng, times + 0.12, 0.05) - _pulses(rng, times + 0.3, 0.08))
    m.euler[2] = 0.1 * _smooth(rng, 0.2)
    return m


def _ride(p, f, rng, speed_mps: float) -> Motion:
    m = _zeros()
    vf = p["vib_f"] * (0.7 + 0.6 * f.speed)
    m.vib_acc[2] = p["vib"] * (0.5 + f.speed) * _vibration(rng, vf)
    m.vib_acc[0] = 0.4 * p["vib"] * (0.5 + f.speed) * _vibration(rng, vf)
    m.acc_world[2] = 0.3 * f.speed * band_noise(rng, IMU_STEPS, IMU_RATE, 5, 30)
    m.acc_world[0] = 1.5 * (0.2 + f.speed) * _smooth(rng, 0.15)
    yaw_rate = p["turns"] * (0.2 + f.speed) * _smooth(rng, 0.1)
    m.euler[2] = np.cumsum(yaw_rate) / IMU_RATE
    m.acc_world[1] = np.clip(speed_mps * yaw_rate, -5, 5)
    m.euler[0] = np.radians(p["sway"]) * m.acc_world[1] / 9.81
    m.acc_world[2] += rng.uniform(2, 4) * _impacts(rng, _poisson_times(rng, 0.3), 8.0, 0.08)
    return m


def drive(p, f, rng):
    return _ride(p, f, rng, 3 + 17 * f.speed)


def lean(p, f, rng):
    m = _ride({**p, "turns": 0.3, "sway": 0.0}, f, rng, 3 + 20 * f.speed)
    m.euler[0] += np.radians(p["lean"]) * f.speed * _smooth(rng, 0.15)
    return m


def pedal(p, f, rng):
    m = _zeros()
    cad = p["cadence"] * (0.6 + 0.8 * f.speed)
    ph = _phase(rng, cad)
    m.euler[0] = np.radians(p["sway"]) * np.sin(ph)
    m.acc_world[2] = 1.5 * np.sin(2 * ph) + 0.4 * f.speed * band_noise(rng, IMU_STEPS, IMU_RATE, 10, 40)
    m.acc_world[1] = 0.8 * np.sin(ph + 0.4)
    m.euler[2] = 0.2 * _smooth(rng, 0.1)
    return m


def hover(p, f, rng):
    m = _zeros()
    blade = p["blade"] * (0.85 + 0.3 * f.speed)
    for axis, share in ((2, 1.0), (0, 0.5), (1, 0.5)):
        m.vib_acc[axis] = share * p["vib"] * (_vibration(rng, blade, 0.5) + 0.4 * _vibration(rng, 2 * blade, 0.8))
    m.acc_world += 0.4 * np.stack([_smooth(rng, 0.3) for _ in range(3)])
    m.euler[:2] = 0.03 * np.stack([_smooth(rng, 0.2) for _ in range(2)])
    m.euler[2] = 0.2 * _smooth(rng, 0.05)
    return m


def cruise(p, f, rng):
    m = _zeros()
    m.acc_world[2] = p["turb"] * (0.5 + f.speed) * _smooth(rng, 2.0)
    m.acc_world[1] = 0.3 * p["turb"] * _smooth(rng, 1.0)
    m.euler[0] = 0.05 * _smooth(rng, 0.1)
    m.euler[1] = 0.03 * _smooth(rng, 0.1) + 0.05 * f.speed
    m.vib_acc[2] = 0.05 * _vibration(rng, rng.uniform(60, 100), 10)
    return m


def rail_ride(p, f, rng):
    m = _zeros()
    m.acc_world[1] = p["sway"] * 0.5 * np.sin(_phase(rng, rng.uniform(0.5, 1.2)))
    times = _periodic_times(rng, p["clack"] * (0.5 + f.speed), 0.05)
    gap = 0.12 * (1.2 - 0.6 * f.speed)
    m.acc_world[2] = rng.uniform(2, 4) * (_impacts(rng, times, 25.0, 0.02) + _impacts(rng, times + gap, 25.0, 0.02))
    m.vib_acc[2] = 0.2 * _vibration(rng, 20.0, 10.0)
    m.euler[2] = 0.05 * _smooth(rng, 0.05)
    return m


def waves(p, f, rng):
    m = _zeros()
    wf = p["wave_f"] * (0.8 + 0.4 * f.speed)
    m.euler[0] = np.radians(p["roll"]) * np.sin(_phase(rng, wf))
    m.euler[1] = 0.5 * np.radians(p["roll"]) * np.sin(_phase(rng, wf * 1.3))
    m.acc_world[2] = 1.5 * np.sin(_phase(rng, wf))
    m.vib_acc[2] = 0.2 * f.speed * _vibration(rng, rng.uniform(20, 40))
    if f.speed > 0.6:
        m.acc_world[2] += 5 * _impacts(rng, _poisson_times(rng, 1.0), 6.0, 0.1)
    return m


def pour(p, f, rng):
    m = _zeros()
    pace = 0.6 + 0.8 * f.speed
    lift = rng.uniform(0.2, 1.0)
    tilt_t = lift + rng.uniform(0.3, 0.6)
    up = 0.8 / pace
    hold_s = rng.uniform(0.8, 1.5) / pace
    down = tilt_t + up + hold_s
    ramp = np.clip((_T - tilt_t) / up, 0, 1) - np.clip((_T - down) / up, 0, 1)
    m.euler[1] = np.radians(p["tilt"]) * (3 * ramp**2 - 2 * ramp**3)
    m.acc_world[2] = 3 * (_pulses(rng, np.array([lift]), 0.1) - _pulses(rng, np.array([down + up + 0.3]), 0.1))
    m.acc_world[2] -= rng.uniform(8, 15) * _impacts(rng, np.array([down + up + 0.5]), 30.0, 0.02)
    m.vib_acc += 0.08 * np.stack([_vibration(rng, 9.0, 2.0) for _ in range(3)])
    return m


def wave_dry(p, f, rng):
    m = _zeros()
    ph = _phase(rng, p["wave"] * (0.6 + 0.8 * f.speed))
    m.euler[2] = np.radians(25) * np.sin(ph)
    m.euler[1] = np.radians(8) * np.sin(2 * ph)
    m.vib_acc[0] = (0.3 + 0.5 * f.speed) * _vibration(rng, p["vib_f"], 5.0)
    m.vib_acc[1] = 0.5 * (0.3 + 0.5 * f.speed) * _vibration(rng, p["vib_f"], 5.0)
    return m


def push_pull(p, f, rng):
    m = _zeros()
    ph = _phase(rng, p["push"] * (0.6 + 0.8 * f.speed))
    m.acc_world[0] = 2.5 * np.sin(ph)
    m.euler[2] = 0.15 * np.sin(ph + 0.5)
    m.acc_world[2] = 1.0 * np.sin(_phase(rng, 1.8))
    m.vib_acc[2] = 0.3 * _vibration(rng, p["vib_f"], 5.0)
    return m


def spin(p, f, rng):
    m = _zeros()
    ramp = np.clip(_T / rng.uniform(0.5, 3.0), 0, 1)
    hz = p["spin"] * (0.4 + 0.8 * f.speed) * (0.5 + 0.5 * ramp)
    ph = 2 * np.pi * np.cumsum(hz) / IMU_RATE
    amp = p["vib"] * (0.3 + f.speed) * ramp
    m.vib_acc[0] = amp * np.cos(ph)
    m.vib_acc[1] = amp * np.sin(ph)
    m.vib_acc[2] = 0.3 * amp * np.sin(ph / 9)
    return m


def hold_buzz(p, f, rng):
    m = _zeros()
    gate = np.ones(IMU_STEPS) if rng.uniform() < 0.6 else (_smooth(rng, 0.8) > -0.3).astype(float)
    m.vib_acc[0] = p["vib"] * (0.3 + f.speed) * _vibration(rng, p["buzz"], 4.0) * gate
    m.vib_acc[2] = 0.6 * p["vib"] * (0.3 + f.speed) * _vibration(rng, p["buzz"], 4.0) * gate
    m.euler += np.radians(p["sway"]) * np.stack([_smooth(rng, 0.5) for _ in range(3)])
    return m


def strike(p, f, rng):
    m = _zeros()
    rate = p["rate"] * (0.6 + 0.8 * f.speed)
    times = _periodic_times(rng, rate, 0.15)
    swing = np.radians(p["swing"])
    period = 1 / rate
    pitch = np.zeros(IMU_STEPS)
    for t in times:
        dt = _T - (t - 0.6 * period)
        wind = np.clip(dt / (0.5 * period), 0, 1)
        fall = np.clip((dt - 0.5 * period) / (0.1 * period), 0, 1)
        pitch += swing * (np.sin(np.pi / 2 * wind) ** 2) * (1 - fall) * (dt < 0.6 * period)
        after = _T - t
        bounce = (after >= 0) & (after < 0.4 * period)
        pitch[bounce] += p["rebound"] * swing * np.sin(np.pi * after[bounce] / (0.4 * period))
    m.euler[1] = pitch
    m.acc_world[2] = -rng.uniform(15, 40) * _impacts(rng, times, 40.0, 0.01)
    m.euler[2] = 0.05 * _smooth(rng, 0.2)
    return m


def saw_stroke(p, f, rng):
    m = _zeros()
    ph = _phase(rng, p["rate"] * (0.6 + 0.8 * f.speed))
    m.acc_world[0] = p["amp"] * np.sin(ph)
    m.vib_acc[0] = 0.5 * (np.cos(ph) > 0) * _vibration(rng, rng.uniform(60, 140), 20.0)
    m.euler[1] = 0.05 * np.sin(ph + 0.3)
    return m


def strum(p, f, rng):
    m = _zeros()
    ph = _phase(rng, p["rate"] * (0.6 + 0.8 * f.speed))
    m.euler[0] = np.radians(p["swing"]) * np.sin(ph)
    m.acc_world[1] = 2 * np.sin(ph + 1)
    m.euler[1] = np.radians(20) + 0.05 * _smooth(rng, 0.3)
    return m


def bow(p, f, rng):
    m = _zeros()
    ph = _phase(rng, p["rate"] * (0.6 + 0.8 * f.speed))
    m.acc_world[0] = p["stroke"] * np.sign(np.sin(ph)) * np.abs(np.sin(ph)) ** 0.3
    m.euler[0] = np.radians(20) + 0.03 * np.sin(_phase(rng, rng.uniform(5.5, 6.5)))
    m.euler[1] = np.radians(30) + 0.05 * _smooth(rng, 0.3)
    return m


def swing(p, f, rng):
    m = _zeros()
    rate = p["rate"] * (0.6 + 0.8 * f.speed) * _size_slow(f)
    ph = _phase(rng, rate)
    amp = np.radians(p["swing"])
    m.euler[1] = amp * np.sin(ph)
    omega = amp * 2 * np.pi * rate * np.cos(ph)
    m.acc_world[2] = 0.15 * omega**2
    extremes = _T[1:][np.diff(np.sign(np.cos(ph))) != 0]
    m.acc_world[0] = rng.uniform(5, 10) * _impacts(rng, extremes, 35.0, 0.015)
    return m


def handheld(p, f, rng):
    m = _zeros()
    m.euler[1] = np.radians(40) + 0.08 * _smooth(rng, 0.3)
    m.euler[0] = 0.08 * _smooth(rng, 0.3)
    m.euler[2] = 0.1 * _smooth(rng, 0.2)
    m.vib_acc += p["tremor"] * np.stack([_vibration(rng, 10.0, 2.0) for _ in range(3)])
    taps = _periodic_times(rng, p["tap"] * (0.6 + 0.8 * f.speed), 0.4)
    m.acc_world[2] = -rng.uniform(0.5, 1.5) * _impacts(rng, taps, 30.0, 0.01)
    if f.speed > 0.4:
        buzz = (np.mod(_T + rng.uniform(0, 1), 1.0) < 0.4).astype(float)
        m.vib_acc[2] += buzz * _vibration(rng, rng.uniform(150, 190), 5.0)
    return m


def snooze(p, f, rng):
    m = _zeros()
    slaps = _poisson_times(rng, p["slaps"] * (0.3 + f.speed) / 5)
    m.acc_world[2] = -rng.uniform(10, 20) * _impacts(rng, slaps, 45.0, 0.015)
    m.euler[1] = 0.05 * _pulses(rng, slaps + 0.05, 0.05)
    return m


def dribble(p, f, rng):
    m = _zeros()
    rate = p["rate"] * (0.7 + 0.6 * f.speed)
    ph = _phase(rng, rate)
    m.acc_world[2] = p["amp"] * np.sin(ph)
    bottoms = _T[1:][np.diff(np.sign(np.sin(ph))) > 0]
    m.acc_world[2] += rng.uniform(5, 12) * _impacts(rng, bottoms, 20.0, 0.03)
    m.euler[1] = 0.3 * np.sin(ph + 0.5)
    if f.speed > 0.5:
        m.acc_world[2] += 3 * np.sin(_phase(rng, 2.6))
    return m


def poke(p, f, rng):
    m = _zeros()
    times = _periodic_times(rng, p["rate"] * (0.6 + 0.8 * f.speed), 0.4)
    m.acc_world[0] = 4 * (_pulses(rng, times, 0.08) - _pulses(rng, times + 0.25, 0.1))
    m.acc_world[0] -= rng.uniform(3, 8) * _impacts(rng, times + 0.15, 25.0, 0.02)
    m.euler[1] = np.radians(30) + 0.1 * _pulses(rng, times, 0.15)
    return m


RECIPES: dict[str, Recipe] = {
    fn.__name__: fn
    for fn in (
        walk,
        hold,
        ride_gait,
        perch,
        toss,
        drive,
        lean,
        pedal,
        hover,
        cruise,
        rail_ride,
        waves,
        pour,
        wave_dry,
        push_pull,
        spin,
        hold_buzz,
        strike,
        saw_stroke,
        strum,
        bow,
        swing,
        handheld,
        snooze,
        dribble,
        poke,
    )
}
