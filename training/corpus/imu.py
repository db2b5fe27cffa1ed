"""The IMU view: 6-axis accelerometer (m/s^2, gravity included) and gyroscope (rad/s) at 400 Hz.

The carrier's orientation and world-frame acceleration (``motion_sources``) become the specific
force and body rates a strapped-down sensor measures; a random mounting rotation, per-axis
scale errors, constant biases, a drifting gyro bias, white noise, stalled stretches (the last
value repeated) and range saturation are applied on top.
"""

from __future__ import annotations

import numpy as np

from .concepts import Concept
from .difficulty import Difficulty
from .factors import SampleFactors
from .motion_sources import IMU_RATE, IMU_STEPS, RECIPES

GRAVITY = 9.81
ACC_RANGE = 16 * GRAVITY
GYRO_RANGE = np.radians(2000.0)
COLUMNS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")


def _rotation(euler: np.ndarray) -> np.ndarray:
    """(T, 3, 3) body-to-world rotations R = Rz(yaw) Ry(pitch) Rx(roll)."""
    cr, sr = np.cos(euler[0]), np.sin(euler[0])
    cp, sp = np.cos(euler[1]), np.sin(euler[1])
    cy, sy = np.cos(euler[2]), np.sin(euler[2])
    return np.stack(
        [
            np.stack([cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr], -1),
            np.stack([sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr], -1),
            np.stack([-sp, cp * sr, cp * cr], -1),
        ],
        -2,
    )


def _body_rates(euler: np.ndarray) -> np.ndarray:
    """(3, T) body angular rates from Euler angle rates (ZYX convention)."""
    roll, pitch = euler[0], euler[1]
    d = np.gradient(euler, axis=1) * IMU_RATE
    p = d[0] - d[2] * np.sin(pitch)
    q = d[1] * np.cos(roll) + d[2] * np.cos(pitch) * np.sin(roll)
    r = -d[1] * np.sin(roll) + d[2] * np.cos(pitch) * np.cos(roll)
    return np.stack([p, q, r])


def _random_rotation(rng: np.random.Generator, max_deg: float) -> np.ndarray:
    axis = rng.standard_normal(3)
    axis /= np.linalg.norm(axis)
    angle = np.radians(rng.uniform(0, max_deg))
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


def render_imu(
    concept: Concept, factors: SampleFactors, difficulty: Difficulty, rng: np.random.Generator
) -> np.ndarray:
    """The sample's (2000, 6) float32 IMU recording: acc_x, acc_y, acc_z, gyro_x, gyro_y, gyro_z."""
    motion = RECIPES[concept.motion](dict(factors.motion_params), factors, rng)
    rot = _rotation(motion.euler)
    specific = motion.acc_world + np.array([[0.0], [0.0], [GRAVITY]])
    acc = np.einsum("tji,jt->it", rot, specific) + motion.vib_acc
    gyro = _body_rates(motion.euler)

    mount = _random_rotation(rng, difficulty.imu_rotation_deg)
    acc, gyro = mount @ acc, mount @ gyro
    b = difficulty.imu_bias
    acc = acc * (1 + rng.normal(0, 0.02 * b, (3, 1))) + rng.normal(0, 0.15 * b, (3, 1))
    drift = np.cumsum(rng.normal(0, 0.0005 * b, (3, IMU_STEPS)), axis=1)
    gyro = gyro * (1 + rng.normal(0, 0.02 * b, (3, 1))) + rng.normal(0, 0.01 * b, (3, 1)) + drift
    k = difficulty.imu_noise
    acc += rng.normal(0, 0.04 * k, acc.shape)
    gyro += rng.normal(0, 0.004 * k, gyro.shape)
    data = np.concatenate([np.clip(acc, -ACC_RANGE, ACC_RANGE), np.clip(gyro, -GYRO_RANGE, GYRO_RANGE)]).T

    if rng.uniform() < difficulty.imu_dropout_prob:
        for _ in range(int(rng.integers(1, 4))):
            length = int(rng.integers(20, 200))
            start = int(rng.integers(1, IMU_STEPS - length))
            data[start : start + length] = data[start - 1]
    return data.astype(np.float32)
