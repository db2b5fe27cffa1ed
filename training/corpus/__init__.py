"""A procedural paired corpus in six modalities, for training and evaluating the default model.

Every sample of a concept is rendered from one set of latent factors (size, speed, temperature,
colour, scene, lighting) into an image, a caption, a sound, a depth map, a thermal view and
an IMU recording, so the pairing carries real shared information beyond the label.
See ``docs/corpus.md``.
"""

from .concepts import CONCEPTS, PROMPT_TEMPLATES, Concept, get_concept
from .difficulty import DIFFICULTY_PRESETS, Difficulty, get_difficulty
from .factors import SPLITS, SampleFactors
from .sample import MODALITIES, Sample, render_sample, sample_id
from .writer import write_corpus

CONCEPT_NAMES: tuple[str, ...] = tuple(c.name for c in CONCEPTS)

__all__ = [
    "CONCEPTS",
    "CONCEPT_NAMES",
    "DIFFICULTY_PRESETS",
    "MODALITIES",
    "PROMPT_TEMPLATES",
    "SPLITS",
    "Concept",
    "Difficulty",
    "Sample",
    "SampleFactors",
    "get_concept",
    "get_difficulty",
    "render_sample",
    "sample_id",
    "write_corpus",
]
