"""`POST /v1/classify`: zero-shot classification of any input kind against text labels."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from bindspace.app.auth import require_api_key
from bindspace.engine.classification import template_problem
from bindspace.app.dependencies import ready_runtime
from bindspace.app.errors import NATIVE_ERRORS, ApiError
from bindspace.app.inputs import decode_value
from bindspace.app.responses import FastJSONResponse
from bindspace.app.routers.classify.schemas import ClassifyRequest, ClassifyResponse, HFClassifyRequest, LabelScoreOut
from bindspace.app.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["classify"], dependencies=[Depends(require_api_key)], responses=NATIVE_ERRORS)


def _clean_labels(labels: list[str] | str, limit: int) -> list[str]:
    values = [part.strip() for part in labels.split(",")] if isinstance(labels, str) else labels
    values = [value for value in values if value]
    if len(values) < 1:
        raise ApiError(422, "candidate_labels is empty.", param="candidate_labels", code="invalid_request")
    if len(set(values)) != len(values):
        raise ApiError(422, "candidate_labels has duplicates.", param="candidate_labels", code="invalid_request")
    if len(values) > limit:
        raise ApiError(413, f"candidate_labels has {len(values)} labels, over the limit of {limit} "
                            "(BINDSPACE_MAX_LABELS).", param="candidate_labels", code="too_many_items")
    return values


def _templates(given: str | list[str] | None, runtime: Runtime, kind: str, limit: int) -> list[str]:
    if given is None:
        return list(runtime.default_templates(kind))
    templates = [given] if isinstance(given, str) else given
    if not templates:
        raise ApiError(422, "hypothesis_template is an empty list.", param="hypothesis_template",
                       code="invalid_request")
    if len(templates) > limit:
        raise ApiError(413, f"hypothesis_template has {len(templates)} templates, over the limit of {limit} "
                            "(BINDSPACE_MAX_TEMPLATES).", param="hypothesis_template", code="too_many_items")
    problem = template_problem(templates)
    if problem is not None:
        raise ApiError(422, f"hypothesis_template{problem}", param="hypothesis_template", code="invalid_template")
    return templates


@router.post(
    "/classify",
    response_model=ClassifyResponse | list[LabelScoreOut],
    summary="Zero-shot classification",
    description="Scores one input of any kind against `candidate_labels`: each label's text embedding is the "
    "renormalized mean of its normalized prompt embeddings over the templates; scores are softmax(100 x cosine) "
    "and the cosines are returned too. Label embeddings are cached (LRU). A Hugging Face-shaped request "
    "(`inputs` + `parameters`) gets Hugging Face's response, a list of `{label, score, cosine}`.",
)
async def classify(
    body: ClassifyRequest | HFClassifyRequest, runtime: Runtime = Depends(ready_runtime)
) -> FastJSONResponse:
    """Rank the candidate labels for the input."""
    settings = runtime.settings
    if isinstance(body, HFClassifyRequest):
        if body.parameters.multi_label:
            raise ApiError(422, "multi_label is not supported: scores are one softmax over the labels.",
                           param="parameters.multi_label", code="unsupported_parameter")
        kind = body.parameters.modality
        param = "inputs"
        payload = decode_value(kind, body.inputs, param)
        options = {}
        labels = _clean_labels(body.parameters.candidate_labels, settings.max_labels)
        templates = _templates(body.parameters.hypothesis_template, runtime, kind, settings.max_templates)
    else:
        kind = body.input.modality
        param = "input"
        payload = body.input.payload(param)
        options = body.input.preprocess_options()
        labels = _clean_labels(body.candidate_labels, settings.max_labels)
        templates = _templates(body.hypothesis_template, runtime, kind, settings.max_templates)
    if len(labels) * len(templates) > settings.max_prompts:
        raise ApiError(413, f"{len(labels)} labels x {len(templates)} templates = {len(labels) * len(templates)} "
                            f"prompts, over the limit of {settings.max_prompts} (BINDSPACE_MAX_PROMPTS).",
                       param="candidate_labels", code="too_many_items")
    runtime.require_kind(kind, "modality")
    runtime.require_kind("text", "candidate_labels")
    ranked = [{"label": r.label, "score": r.score, "cosine": r.cosine}
              for r in await runtime.classify(kind, payload, labels, templates, param=param, options=options)]
    if isinstance(body, HFClassifyRequest):
        return FastJSONResponse(ranked)
    return FastJSONResponse({"model": runtime.info.name, "modality": kind, "results": ranked})
