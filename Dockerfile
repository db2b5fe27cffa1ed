# bindspace HTTP service.
#   CPU (default):  docker build -t bindspace .        (torch's CPU-only wheels: no CUDA libraries in the image)
#   CUDA:           docker build -t bindspace:cuda --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128 .
#                   docker run --gpus all -e BINDSPACE_DEVICE=cuda -p 8080:8080 bindspace:cuda
#   A model baked into the image (pulled at build time, served by default):
#                   docker build -t bindspace:imagebind --build-arg BINDSPACE_PULL=imagebind-huge \
#                     --build-arg BINDSPACE_PULL_FLAGS=--accept-licence .
# The default model (models/weights/default/) must exist in the build context: it is installed as part of
# the models package, and the build fails early when it is missing.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_VERSION=2.14.1
ARG TORCHVISION_VERSION=0.29.1
# A model name of `bindspace models` to pull into the image's model store; empty pulls nothing.
ARG BINDSPACE_PULL=""
# Extra `bindspace pull` flags, e.g. --accept-licence for ImageBind's CC BY-NC-SA 4.0 weights.
ARG BINDSPACE_PULL_FLAGS=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH \
    BINDSPACE_MODEL_DIR=/opt/bindspace/models
RUN python -m venv /opt/venv
# torch first, from the index of the chosen variant; `pip install .` then finds its pins satisfied.
RUN pip install --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}" "torchvision==${TORCHVISION_VERSION}"
WORKDIR /src
COPY pyproject.toml README.md ./
COPY models ./models
COPY index ./index
COPY app ./app
COPY engine ./engine
COPY training ./training
RUN pip install . \
 && HF_HUB_OFFLINE=1 python -c "from bindspace.app.model_source import resolve_model_dir; print('model:', resolve_model_dir(None))"
RUN mkdir -p "${BINDSPACE_MODEL_DIR}" \
 && if [ -n "${BINDSPACE_PULL}" ]; then bindspace pull "${BINDSPACE_PULL}" ${BINDSPACE_PULL_FLAGS}; fi

FROM ${PYTHON_IMAGE}
ARG BINDSPACE_PULL=""
ENV PATH=/opt/venv/bin:$PATH \
    BINDSPACE_MODEL_DIR=/opt/bindspace/models \
    BINDSPACE_MODEL=${BINDSPACE_PULL:-default} \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    BINDSPACE_HOST=0.0.0.0 \
    BINDSPACE_PORT=8080 \
    BINDSPACE_DATA_DIR=/data
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin bindspace \
 && mkdir -p /data && chown bindspace:bindspace /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/bindspace/models /opt/bindspace/models
USER bindspace
WORKDIR /home/bindspace
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('BINDSPACE_PORT', '8080'), timeout=2)"]
CMD ["bindspace", "serve"]
