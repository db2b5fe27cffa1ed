"""The text view: a caption describing the sample from its latent factors, in varied words.

Captions name the concept (or, with ``Difficulty.vague_caption_prob``, only a broader category),
and mention attributes the other views also carry: colour, size, what it is doing (speed), how
hot it is, the sound it makes, the scene and the time of day. Templates, synonyms and optional
attributes vary the wording; ``Difficulty.typo_prob`` adds typing errors.
"""

from __future__ import annotations

import numpy as np

from .concepts import Concept
from .difficulty import Difficulty
from .factors import SampleFactors
from .scenes import SCENES

_SMALL = ("small", "little", "tiny")
_BIG = ("big", "large", "huge")
_TEMPLATES = (
    "{a} {adj}{noun} {action} {scene}",
    "a photo of {a} {adj}{noun} {scene}",
    "{a} {noun} {sound} {scene}",
    "{a} {adj}{noun}, {state}, {scene}",
    "close-up of {a} {adj}{noun}",
    "there is {a} {adj}{noun} {action} {scene}",
    "{scene_cap}, {a} {adj}{noun} is {action}",
    "you can hear {a} {noun} {sound}",
    "someone with {a} {adj}{noun} {scene}",
    "{a} {adj}{noun} {action} {dark}",
    "{a} {adj}{noun} {sound} {dark}",
)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _bin(value: float) -> int:
    return 0 if value < 1 / 3 else 1 if value < 2 / 3 else 2


def _typo(rng: np.random.Generator, word: str) -> str:
    if len(word) < 3:
        return word
    i = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(3))
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def render_caption(concept: Concept, factors: SampleFactors, difficulty: Difficulty, rng: np.random.Generator) -> str:
    """One caption of the sample."""
    if rng.uniform() < difficulty.vague_caption_prob:
        noun = _pick(rng, concept.hypernyms)
    elif rng.uniform() < 0.35 and len(concept.nouns) > 1:
        noun = _pick(rng, concept.nouns[1:])
    else:
        noun = concept.name
    adjectives = []
    if factors.size < 0.25 and rng.uniform() < 0.7:
        adjectives.append(_pick(rng, _SMALL))
    elif factors.size > 0.75 and rng.uniform() < 0.7:
        adjectives.append(_pick(rng, _BIG))
    if rng.uniform() < 0.6:
        adjectives.append(factors.colour)
    action = _pick(rng, concept.actions[2 if factors.aerial else _bin(factors.speed)])
    state = _pick(rng, concept.temp_words[_bin(factors.temperature)]) if concept.temp_words else action
    scene = SCENES[factors.scene]
    scene_phrase = _pick(rng, scene.phrases)
    if factors.dark:
        dark = "in a dark room" if scene.indoor else "at night"
        if rng.uniform() < 0.5:
            scene_phrase = f"{scene_phrase} {dark}"
    else:
        dark = "in daylight" if not scene.indoor else "in a bright room"
    adj = "".join(a + " " for a in adjectives)
    template = _pick(rng, _TEMPLATES)
    text = template.format(
        a="a",
        adj=adj,
        noun=noun,
        action=action,
        state=state,
        scene=scene_phrase,
        scene_cap=scene_phrase,
        sound=_pick(rng, concept.sound_words),
        dark=dark,
    )
    words = text.split()
    for i, w in enumerate(words[:-1]):
        if w in ("a", "an"):
            words[i] = _article(words[i + 1])
    words = [(_typo(rng, w) if rng.uniform() < difficulty.typo_prob else w) for w in words]
    text = " ".join(words)
    if rng.uniform() < 0.4:
        text = text[0].upper() + text[1:] + "."
    return text
