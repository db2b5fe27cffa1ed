"""Sound recipes: what each concept sounds like, driven by the sample's latent factors.

Every recipe takes the sample's drawn ``sound_params`` ``p``, its factors ``f``, a generator,
a length in samples and the rate, and returns the dry source signal (any scale). ``f.size``
lowers the pitch of bigger instances, ``f.speed`` raises tempo and engine frequency, and
``f.temperature`` drives boiling, whistling and crackling.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .factors import SampleFactors
from .synth import (
    add_at,
    burst,
    decay,
    envelope,
    event_times,
    phase_of,
    slow_wander,
    voiced,
    wavetable_tone,
)

Recipe = Callable[[dict[str, float], SampleFactors, np.random.Generator, int, int], np.ndarray]


def _pitch(f: SampleFactors) -> float:
    """Bigger instances sound lower: +-0.4 octave across the size range."""
    return 2.0 ** ((0.5 - f.size) * 0.8)


def _calls(rng, n, sr, rate, length, make) -> np.ndarray:
    out = np.zeros(n)
    for t in event_times(rng, n / sr, rate, 0.35):
        m = int(length * rng.uniform(0.8, 1.2) * sr)
        add_at(out, make(m, float(rng.uniform(0.7, 1.0))), int(t * sr))
    return out


def bark(p, f, rng, n, sr):
    f0 = p["f0"] * _pitch(f)

    def one(m, amp):
        u = np.linspace(0, 1, m)
        track = f0 * (1 + 0.3 * np.sin(np.pi * u)) * (1 - 0.25 * u)
        sig = voiced(track, sr, 14, -4, [(900, 300, 8), (2200, 500, 4)]) + 0.5 * burst(rng, m, sr, 400, 4000)
        return amp * sig * u**0.15 * (1 - u) ** 1.2

    return _calls(rng, n, sr, p["rate"] * (0.6 + 0.8 * f.speed), p["len"], one)


def howl(p, f, rng, n, sr):
    f0 = p["f0"] * _pitch(f)
    out = np.zeros(n)
    t0 = rng.uniform(0, 0.6)
    while t0 < n / sr:
        m = int(p["len"] * rng.uniform(0.8, 1.2) * sr)
        u = np.linspace(0, 1, m)
        contour = 0.8 + 0.35 * np.clip(u * 4, 0, 1) - 0.3 * np.clip((u - 0.7) * 3.3, 0, 1)
        track = f0 * contour * (1 + 0.012 * np.sin(2 * np.pi * 5.0 * u * m / sr))
        sig = voiced(track, sr, 6, -10, [(700, 250, 6)]) * envelope(m, sr, 0.25, 0.35)
        add_at(out, sig, int(t0 * sr))
        t0 += m / sr + rng.uniform(0.3, 1.0)
    return out


def meow(p, f, rng, n, sr):
    f0 = p["f0"] * _pitch(f)

    def one(m, amp):
        u = np.linspace(0, 1, m)
        track = f0 * (0.8 + 0.45 * np.sin(np.pi * u**0.8))
        formant = 700 + 1000 * np.sin(np.pi * u)
        return amp * voiced(track, sr, 12, -5, [(formant, 350, 10)]) * envelope(m, sr, 0.04, 0.15)

    return _calls(rng, n, sr, 0.6 + 0.8 * f.speed, p["len"], one)


def moo(p, f, rng, n, sr):
    f0 = p["f0"] * _pitch(f)

    def one(m, amp):
        u = np.linspace(0, 1, m)
        track = f0 * (0.95 + 0.12 * np.sin(np.pi * u))
        formant = 300 + 500 * np.clip(u * 2, 0, 1)
        return amp * voiced(track, sr, 30, -6, [(formant, 200, 12), (2400, 400, 3)]) * envelope(m, sr, 0.15, 0.3)

    return _calls(rng, n, sr, 0.35 + 0.3 * f.speed, p["len"], one)


def neigh(p, f, rng, n, sr):
    f0 = p["f0"] * _pitch(f)
    out = np.zeros(n)
    m = int(p["len"] * sr)
    u = np.linspace(0, 1, m)
    trill = 1 + 0.08 * np.sin(2 * np.pi * rng.uniform(10, 14) * u * m / sr)
    track = f0 * (1.3 - 0.6 * u) * trill
    sig = voiced(track, sr, 10, -5, [(1200, 400, 6)]) * envelope(m, sr, 0.05, 0.3) * (0.6 + 0.4 * trill)
    add_at(out, sig, int(rng.uniform(0, max(n - m, 1))))
    for t in event_times(rng, n / sr, p["rate"] * (0.5 + f.speed), 0.15):
        k = int(0.03 * sr)
        add_at(out, 0.4 * burst(rng, k, sr, 800, 3000) * decay(k, sr, 0.008), int(t * sr))
    return out


def baa(p, f, rng, n, sr):
    f0 = p["f0"] * _pitch(f)

    def one(m, amp):
        u = np.arange(m) / sr
        rate = rng.uniform(7, 9)
        trem = 1 + 0.6 * np.sin(2 * np.pi * rate * u)
        track = f0 * (1 + 0.03 * np.sin(2 * np.pi * rate * u))
        return amp * voiced(track, sr, 16, -5, [(700, 250, 8), (1500, 300, 5)]) * trem * envelope(m, sr, 0.05, 0.2)

    return _calls(rng, n, sr, 0.6 + 0.6 * f.speed, p["len"], one)


def chirp(p, f, rng, n, sr):
    lo, hi = p["f_lo"] * _pitch(f), p["f_hi"] * _pitch(f)

    def one(m, amp):
        u = np.linspace(0, 1, m)
        track = hi + (lo - hi) * u if rng.uniform() < 0.6 else lo + (hi - lo) * u**2
        return amp * wavetable_tone(track, [1.0, 0.2], sr) * np.sin(np.pi * u) ** 2

    out = np.zeros(n)
    t = rng.uniform(0, 0.5)
    while t < n / sr:
        k = int(rng.integers(3, 10))
        song = _calls(
            rng,
            int(k / (p["rate"] * (0.6 + 0.8 * f.speed)) * sr) + 1,
            sr,
            p["rate"] * (0.6 + 0.8 * f.speed),
            rng.uniform(0.03, 0.12),
            one,
        )
        add_at(out, song, int(t * sr))
        t += len(song) / sr + rng.uniform(0.2, 0.9)
    return out


def quack(p, f, rng, n, sr):
    f0 = p["f0"] * _pitch(f)

    def one(m, amp):
        u = np.linspace(0, 1, m)
        sig = voiced(f0 * (1.05 - 0.15 * u), sr, 25, -2, [(1200, 300, 10), (2500, 500, 5)])
        return amp * sig * u**0.1 * (1 - u) ** 0.6

    return _calls(rng, n, sr, p["rate"] * (0.6 + 0.8 * f.speed), p["len"], one)


def engine(p, f, rng, n, sr):
    fire = (p["f_lo"] + (p["f_hi"] - p["f_lo"]) * f.speed) * (_pitch(f) ** 0.5)
    track = fire * (1 + 0.05 * slow_wander(rng, n, sr, 0.7))
    k = np.arange(1, 25)
    tone = wavetable_tone(track, (1.0 / k**0.8) * rng.uniform(0.5, 1.0, len(k)), sr)
    putter = 1 + p["putter"] * np.sign(np.sin(phase_of(track / 2, sr, rng.uniform(0, 6))))
    road = p["road"] * (0.2 + f.speed) * burst(rng, n, sr, 60, 1500)
    out = tone * putter / 4 + road
    if p.get("hiss", 0) > 0 and rng.uniform() < 0.7:
        m = int(rng.uniform(0.3, 0.8) * sr)
        add_at(
            out,
            p["hiss"] * 1.5 * burst(rng, m, sr, 2500, 7000) * envelope(m, sr, 0.02, 0.3),
            int(rng.uniform(0, max(n - m, 1))),
        )
    return out


def boat_motor(p, f, rng, n, sr):
    out = engine({**p, "hiss": 0.0}, f, rng, n, sr)
    t = np.arange(n) / sr
    waves = 1 + 0.7 * np.sin(2 * np.pi * rng.uniform(0.2, 0.5) * t + rng.uniform(0, 6))
    return out + 0.8 * burst(rng, n, sr, 200, 3000) * waves * (0.3 + f.speed)


def rotor(p, f, rng, n, sr):
    rate = p["blade"] * (0.85 + 0.3 * f.speed)
    out = np.zeros(n)
    m = int(0.04 * sr)
    for t in event_times(rng, n / sr, rate, 0.02):
        add_at(
            out,
            burst(rng, m, sr, 100, 1500) * decay(m, sr, 0.012)
            + np.sin(2 * np.pi * 70 * np.arange(m) / sr) * decay(m, sr, 0.02),
            int(t * sr),
        )
    whine = p["whine"] * (1 + 0.01 * slow_wander(rng, n, sr, 0.5))
    return out + 0.08 * wavetable_tone(whine, [1.0, 0.3], sr)


def jet(p, f, rng, n, sr):
    t = np.arange(n) / sr
    centre, width = rng.uniform(0.2, 0.8) * t[-1], rng.uniform(0.8, 2.5)
    swell = 0.3 + np.exp(-0.5 * ((t - centre) / width) ** 2)
    roar = burst(rng, n, sr, 30, p["cut"] * (0.7 + 0.6 * f.speed))
    whine = p["whine"] * (1.05 - 0.1 / (1 + np.exp(-(t - centre) * 3)))
    return (roar + 0.25 * wavetable_tone(whine, [1.0, 0.3, 0.1], sr)) * swell


def rail(p, f, rng, n, sr):
    out = 0.5 * burst(rng, n, sr, 30, 300)
    gap = 0.12 * (1.2 - 0.6 * f.speed)
    m = int(0.02 * sr)
    for t in event_times(rng, n / sr, p["clack"] * (0.5 + f.speed), 0.05):
        for dt in (0.0, gap):
            click = burst(rng, m, sr, 500, 4000) * decay(m, sr, 0.006) + np.sin(
                2 * np.pi * 80 * np.arange(m) / sr
            ) * decay(m, sr, 0.01)
            add_at(out, 1.5 * click, int((t + dt) * sr))
    if p["horn"] > 0.6:
        m = int(rng.uniform(0.8, 1.5) * sr)
        tone = sum(wavetable_tone(np.full(m, fr), [1, 0.5, 0.33, 0.25, 0.2], sr) for fr in (311.0, 370.0))
        add_at(out, 0.5 * tone * envelope(m, sr, 0.05, 0.1), int(rng.uniform(0, max(n - m, 1))))
    return out


def freewheel(p, f, rng, n, sr):
    out = p["road"] * (0.3 + f.speed) * burst(rng, n, sr, 100, 2000)
    coast = slow_wander(rng, n, sr, 0.5) > 0
    m = int(0.004 * sr)
    for t in event_times(rng, n / sr, p["tick"] * (0.5 + f.speed), 0.05):
        i = int(t * sr)
        if i < n and coast[i]:
            add_at(out, 1.2 * burst(rng, m, sr, 3000, 7000) * decay(m, sr, 0.001), i)
    return out


def kettle(p, f, rng, n, sr):
    temp = f.temperature
    bubbles = np.clip(1 + 1.5 * slow_wander(rng, n, sr, 15.0), 0, None)
    out = (0.2 + temp) * burst(rng, n, sr, 60, 600) * bubbles + 0.5 * temp * burst(rng, n, sr, 2000, 6000)
    if temp > 0.55:
        onset = int(rng.uniform(0, 0.5) * n)
        m = n - onset
        u = np.linspace(0, 1, m)
        track = (
            p["whistle"]
            * (0.9 + 0.2 * (temp - 0.55) / 0.45 + 0.08 * u)
            * (1 + 0.004 * np.sin(2 * np.pi * 6 * u * m / sr))
        )
        add_at(out, 2.0 * wavetable_tone(track, [1.0, 0.15], sr) * np.clip(u * 5, 0, 1), onset)
    return out


def motor_noise(p, f, rng, n, sr):
    f0 = p["f0"] * (0.8 + 0.4 * f.speed) * (1 + 0.02 * slow_wander(rng, n, sr, 0.5))
    whine = wavetable_tone(f0, [1.0, 0.5, 0.3, 0.2, 0.1, 0.08, 0.05, 0.03], sr)
    flutter = 1 + p["flutter"] * np.sin(phase_of(f0 / 8, sr))
    air = burst(rng, n, sr, p["band_lo"], p["band_hi"])
    return (p["whine"] * whine * 1.4 + air) * flutter


def washer(p, f, rng, n, sr):
    rate = p["drum"] * (0.5 + f.speed)
    out = 0.3 * wavetable_tone(np.full(n, p["hum"]), [1, 0.4, 0.2], sr)
    t = np.arange(n) / sr
    slosh = burst(rng, n, sr, 200, 2000) * (1 + 0.8 * np.sin(2 * np.pi * rate * t))
    out += 0.7 * slosh
    m = int(0.15 * sr)
    for t0 in event_times(rng, n / sr, rate, 0.1):
        add_at(
            out, 2.0 * np.sin(2 * np.pi * rng.uniform(40, 80) * np.arange(m) / sr) * decay(m, sr, 0.05), int(t0 * sr)
        )
    return out


def fan(p, f, rng, n, sr):
    rate = p["blade"] * (0.5 + f.speed)
    t = np.arange(n) / sr
    air = burst(rng, n, sr, 40, p["cut"]) * (1 + 0.3 * np.sin(2 * np.pi * rate * t))
    return air + 0.3 * wavetable_tone(np.full(n, rate), [1, 0.5, 0.3, 0.2], sr) + 0.05 * np.sin(2 * np.pi * 100 * t)


def blender(p, f, rng, n, sr):
    load = 1 - 0.2 * (slow_wander(rng, n, sr, 1.5) > 0.8)
    f0 = p["f0"] * (0.7 + 0.6 * f.speed) * load
    k = np.arange(1, 21)
    tone = wavetable_tone(f0, 1 / k**0.6, sr) / 3
    grind = p["grind"] * burst(rng, n, sr, 500, 6000) * np.clip(1 + 1.2 * slow_wander(rng, n, sr, 40.0), 0, None)
    return tone + grind


def drum(p, f, rng, n, sr):
    f0 = p["f0"] * _pitch(f)
    out = np.zeros(n)
    wires = rng.uniform(0.0, 1.0)
    m = int(0.6 * sr)
    u = np.arange(m) / sr
    for t in event_times(rng, n / sr, p["rate"] * (0.6 + 0.8 * f.speed), 0.25):
        track = f0 * (1 + 1.5 * np.exp(-u / 0.02))
        hit = np.sin(phase_of(track, sr)) * decay(m, sr, rng.uniform(0.12, 0.4))
        hit += wires * burst(rng, m, sr, 1000, 6000) * decay(m, sr, rng.uniform(0.03, 0.15))
        add_at(out, rng.uniform(0.5, 1.0) * hit, int(t * sr))
    return out


def clank(p, f, rng, n, sr):
    f0 = p["f0"] * _pitch(f)
    out = np.zeros(n)
    m = int(0.3 * sr)
    u = np.arange(m) / sr
    for t in event_times(rng, n / sr, p["rate"] * (0.6 + 0.8 * f.speed), 0.25):
        hit = np.zeros(m)
        for ratio, amp in ((1.0, 1.0), (2.76, 0.6), (5.4, 0.4), (8.93, 0.25)):
            if f0 * ratio < 0.45 * sr:
                hit += amp * np.sin(2 * np.pi * f0 * ratio * u + rng.uniform(0, 6)) * decay(m, sr, 0.12 / ratio**0.5)
        hit += 1.5 * np.sin(2 * np.pi * rng.uniform(90, 150) * u) * decay(m, sr, 0.02)
        add_at(out, rng.uniform(0.6, 1.0) * hit, int(t * sr))
    return out


def saw(p, f, rng, n, sr):
    rate = p["rate"] * (0.6 + 0.8 * f.speed)
    t = np.arange(n) / sr
    ph = 2 * np.pi * rate * t + rng.uniform(0, 6)
    velocity = np.abs(np.sin(ph))
    push = np.where(np.cos(ph) > 0, 1.0, 0.55)
    teeth = 0.5 + 0.5 * np.sign(np.sin(phase_of(150 + 450 * velocity, sr)))
    rasp = burst(rng, n, sr, p["band"] * 0.4, min(p["band"] * 1.8, 7500))
    return rasp * velocity * push * (0.4 + 0.6 * teeth)


def pluck(p, f, rng, n, sr):
    out = np.zeros(n)
    m = int(0.9 * sr)
    u = np.arange(m) / sr
    k = np.arange(1, 11)
    bright, mellow = 1 / k, np.array([1.0, 0.3])
    for t in event_times(rng, n / sr, p["rate"] * (0.6 + 0.8 * f.speed), 0.2):
        root = p["f_lo"] * _pitch(f) * 2 ** (int(rng.integers(0, 8)) / 12)
        strings = (0, 7, 12, 16, 19, 24)[: int(rng.integers(4, 7))]
        down = rng.uniform() < 0.6
        tau = rng.uniform(0.4, 1.0)
        for j, semis in enumerate(strings if down else strings[::-1]):
            track = np.full(m, root * 2 ** (semis / 12))
            note = wavetable_tone(track, bright, sr) * np.exp(-u / (tau * 0.25)) + wavetable_tone(
                track, mellow, sr
            ) * np.exp(-u / tau)
            add_at(out, note * np.clip(u / 0.002, 0, 1), int((t + j * rng.uniform(0.008, 0.025)) * sr))
    return out


def bowed(p, f, rng, n, sr):
    out = np.zeros(n)
    t0 = rng.uniform(0, 0.2)
    rate = p["notes"] * (0.6 + 0.8 * f.speed)
    while t0 < n / sr:
        m = int(rng.uniform(0.6, 1.4) / rate * sr)
        fr = np.exp(rng.uniform(np.log(p["f_lo"]), np.log(p["f_hi"]))) * _pitch(f) ** 0.3
        u = np.arange(m) / sr
        track = fr * (1 + 0.005 * np.sin(2 * np.pi * rng.uniform(5.5, 6.5) * u))
        n_harm = max(2, min(20, int(7000 / fr)))
        tone = voiced(track, sr, n_harm, -6, [(280, 80, 6), (700, 200, 5), (2500, 600, 6)])
        tone += 0.05 * burst(rng, m, sr, 1000, 5000)
        add_at(out, tone * envelope(m, sr, rng.uniform(0.04, 0.1), 0.06), int(t0 * sr))
        t0 += m / sr
    return out


def bell(p, f, rng, n, sr):
    f0 = p["f0"] * _pitch(f)
    out = np.zeros(n)
    m = int(2.5 * sr)
    u = np.arange(m) / sr
    ratios = (0.5, 1.0, 1.183, 1.506, 2.0, 2.514, 2.662, 3.011, 4.166)
    strike = np.zeros(m)
    for j, r in enumerate(ratios):
        if f0 * r < 0.45 * sr:
            strike += (0.9**j) * np.sin(2 * np.pi * f0 * r * u + rng.uniform(0, 6)) * decay(m, sr, 1.8 / (1 + 0.4 * j))
    for t in event_times(rng, n / sr, p["rate"] * (0.5 + 0.8 * f.speed), 0.2):
        add_at(out, rng.uniform(0.6, 1.0) * strike, int(t * sr))
    return out


def ringtone(p, f, rng, n, sr):
    out = np.zeros(n)
    rate = p["beep_rate"] * (0.8 + 0.4 * f.speed)
    t = rng.uniform(0, 0.5)
    while t < n / sr:
        for j, tb in enumerate(np.arange(0, p["group"], 1 / rate)):
            m = int(0.5 / rate * sr)
            fr = p["f"] * (p["trill"] if j % 2 else 1.0)
            add_at(
                out,
                wavetable_tone(np.full(m, fr), [1, 0, 0.33, 0, 0.2], sr) * envelope(m, sr, 0.003, 0.003),
                int((t + tb) * sr),
            )
        t += p["group"] + rng.uniform(0.4, 1.2)
    return out


def bounce(p, f, rng, n, sr):
    out = np.zeros(n)
    m = int(0.15 * sr)
    u = np.arange(m) / sr
    for t in event_times(rng, n / sr, p["rate"] * (0.7 + 0.6 * f.speed), 0.1):
        hit = np.sin(2 * np.pi * rng.uniform(100, 160) * u) * decay(m, sr, 0.04)
        hit += 0.5 * np.sin(2 * np.pi * p["ring"] * u) * decay(m, sr, rng.uniform(0.06, 0.1))
        hit += 0.4 * burst(rng, m, sr, 200, 2000) * decay(m, sr, 0.01)
        add_at(out, hit, int(t * sr))
    if rng.uniform() < 0.3:
        m = int(rng.uniform(0.06, 0.12) * sr)
        track = np.linspace(rng.uniform(1500, 2500), rng.uniform(2000, 3200), m)
        add_at(out, 0.4 * wavetable_tone(track, [1, 0.3], sr) * envelope(m, sr, 0.01, 0.02), int(rng.uniform(0, n - m)))
    return out


def crackle(p, f, rng, n, sr):
    temp = f.temperature
    out = (0.3 + temp) * burst(rng, n, sr, 30, 400) * (1 + 0.5 * slow_wander(rng, n, sr, 2.0))
    count = rng.poisson(p["crackle"] * (0.3 + temp) * n / sr)
    m = int(0.004 * sr)
    clicks = burst(rng, m * max(count, 1), sr, 1000, 7500).reshape(-1, m) * decay(m, sr, 0.0008)
    for click, i in zip(clicks, rng.integers(0, n, count)):
        add_at(out, rng.lognormal(0, 0.8) * click, int(i))
    for i in rng.integers(0, n, rng.poisson(1.5 * n / sr)):
        k = int(0.01 * sr)
        add_at(out, 2.0 * burst(rng, k, sr, 300, 1000) * decay(k, sr, 0.003), int(i))
    return out


RECIPES: dict[str, Recipe] = {
    fn.__name__: fn
    for fn in (
        bark,
        howl,
        meow,
        moo,
        neigh,
        baa,
        chirp,
        quack,
        engine,
        boat_motor,
        rotor,
        jet,
        rail,
        freewheel,
        kettle,
        motor_noise,
        washer,
        fan,
        blender,
        drum,
        clank,
        saw,
        pluck,
        bowed,
        bell,
        ringtone,
        bounce,
        crackle,
    )
}
