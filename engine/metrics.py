"""Prometheus metrics of one service instance, kept in their own registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Request, queue, batch and encoder metrics; `registry` is what `/metrics` exposes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "bindspace_http_requests", "HTTP requests answered, by route template and status.",
            ["method", "route", "status"], registry=self.registry,
        )
        self.request_seconds = Histogram(
            "bindspace_http_request_duration_seconds", "HTTP request latency by route template.",
            ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.queue_depth = Gauge(
            "bindspace_queue_depth", "Items waiting for inference, by encoder modality.",
            ["modality"], registry=self.registry,
        )
        self.queue_rejections = Counter(
            "bindspace_queue_rejections", "Requests refused because a queue was full (HTTP 429).",
            ["modality"], registry=self.registry,
        )
        self.batch_size = Histogram(
            "bindspace_batch_size", "Items per model run, by encoder modality.",
            ["modality"], buckets=BATCH_SIZE_BUCKETS, registry=self.registry,
        )
        self.encode_seconds = Histogram(
            "bindspace_encode_seconds", "Model time per batch, by encoder modality.",
            ["modality"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.model_ready = Gauge(
            "bindspace_model_ready", "1 once the model is loaded and serving.", registry=self.registry,
        )
