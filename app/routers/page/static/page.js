// The bindspace page: three views over the public API, no external assets, no build step.
"use strict";

const KEY_STORAGE = "bindspace.key";
// The served model's input kinds come from GET /v1/models; these are the built-in ones until it answers.
let kinds = ["image", "video", "audio", "text", "depth", "thermal", "imu"];
const KIND_BY_EXTENSION = {
  jpg: "image", jpeg: "image", png: "image", webp: "image", gif: "image", bmp: "image", tif: "image", tiff: "image",
  mp4: "video", mov: "video", webm: "video", mkv: "video", avi: "video", m4v: "video",
  wav: "audio", flac: "audio", mp3: "audio", ogg: "audio", m4a: "audio", aac: "audio", opus: "audio",
  txt: "text", md: "text", csv: "imu", npy: "depth",
};
const URL_KEYS = ["preview_url", "thumbnail_url", "image_url", "media_url", "url"];
const INGEST_CONCURRENCY = 2;

const $ = id => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// ---- API access ----------------------------------------------------------------------------------

class ApiFailure extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function errorMessage(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (body && body.error && typeof body.error.message === "string") return body.error.message;
    if (body && typeof body.error === "string") return body.error;
    if (body && body.detail) return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
  } catch (_) { /* not JSON: the text itself is the message */ }
  return text || `${response.status} ${response.statusText}`;
}

async function request(method, path, body) {
  const headers = {};
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  if (!response.ok) {
    const message = await errorMessage(response);
    if (response.status === 401) $("key").focus();
    throw new ApiFailure(response.status, message);
  }
  return response;
}

const api = {
  json: async (method, path, body) => {
    const response = await request(method, path, body);
    return response.status === 204 ? null : response.json();
  },
  blob: async path => (await request("GET", path)).blob(),
};

const collectionPath = name => `v1/collections/${encodeURIComponent(name)}`;
const itemPath = (name, id) => `${collectionPath(name)}/items/${id.split("/").map(encodeURIComponent).join("/")}`;

function showError(id, error) {
  const box = $(id);
  box.textContent = error ? (error instanceof ApiFailure ? error.message : String(error.message || error)) : "";
}

// ---- files as inputs -----------------------------------------------------------------------------

function guessKind(file) {
  const name = file.name.toLowerCase();
  const extension = name.includes(".") ? name.split(".").pop() : "";
  const kind = KIND_BY_EXTENSION[extension];
  if ((kind === "image" || kind === "depth") && /thermal/.test(name)) return "thermal";
  if (kind === "image" && /depth/.test(name)) return "depth";
  if (kind) return kind;
  const family = (file.type || "").split("/")[0];
  return {image: "image", video: "video", audio: "audio", text: "text"}[family] || "image";
}

function kindFor(file, selectId) {
  const chosen = $(selectId).value;
  return chosen === "auto" ? guessKind(file) : chosen;
}

function readFile(file, asText) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(new Error(`${file.name}: the browser could not read the file`));
    if (asText) reader.readAsText(file); else reader.readAsDataURL(file);
  });
}

async function inputOf(file, kind) {
  if (kind === "text") return {modality: "text", text: await readFile(file, true)};
  let data = await readFile(file, false);
  if (data.startsWith("data:;")) data = "data:application/octet-stream;" + data.slice(6);
  return {modality: kind, data};
}

function wireDropZone(zoneId, inputId, onFiles) {
  const zone = $(zoneId);
  const chooser = $(inputId);
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, event => { event.preventDefault(); zone.classList.add("over"); });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", event => {
    event.preventDefault();
    zone.classList.remove("over");
    const files = [...(event.dataTransfer ? event.dataTransfer.files : [])];
    if (files.length) onFiles(files);
  });
  chooser.addEventListener("change", () => {
    const files = [...chooser.files];
    chooser.value = "";
    if (files.length) onFiles(files);
  });
}

// ---- previews ------------------------------------------------------------------------------------

const COLOUR_MAPS = {
  // Stops of piecewise-linear palettes: depth near-to-far in a rainbow, thermal cold-to-hot as ironbow.
  depth: [[48, 18, 59], [70, 134, 251], [27, 229, 181], [164, 252, 60], [251, 185, 56], [122, 4, 3]],
  thermal: [[0, 0, 10], [60, 0, 120], [170, 20, 110], [240, 90, 20], [255, 200, 40], [255, 255, 230]],
};

function parseNpy(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes[0] !== 0x93 || String.fromCharCode(...bytes.slice(1, 6)) !== "NUMPY") return null;
  const major = bytes[6];
  const view = new DataView(buffer);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.slice(start, start + headerLength));
  const descr = (header.match(/'descr':\s*'([^']+)'/) || [])[1];
  const shape = ((header.match(/'shape':\s*\(([^)]*)\)/) || [])[1] || "").split(",").filter(s => s.trim()).map(Number);
  if (/'fortran_order':\s*True/.test(header)) return null;
  const types = {"<f4": Float32Array, "<f8": Float64Array, "|u1": Uint8Array, "<u2": Uint16Array, "<i2": Int16Array,
                 "<i4": Int32Array, "|i1": Int8Array, "<u4": Uint32Array};
  const Type = types[descr];
  if (!Type) return null;
  const offset = start + headerLength;
  const count = shape.reduce((a, b) => a * b, 1);
  const values = new Type(buffer.slice(offset, offset + count * Type.BYTES_PER_ELEMENT));
  return {values: Float32Array.from(values), shape};
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(fraction * (sorted.length - 1))))];
}

function falseColour(values, width, height, kind) {
  const sorted = Float32Array.from(values).sort();
  const low = percentile(sorted, 0.01);
  const high = percentile(sorted, 0.99);
  const stops = COLOUR_MAPS[kind];
  const canvas = el("canvas", {width, height, class: "preview", role: "img", "aria-label": `${kind} map in false colour`});
  const context = canvas.getContext("2d");
  const image = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const t = high > low ? Math.min(1, Math.max(0, (values[i] - low) / (high - low))) : 0;
    const position = t * (stops.length - 1);
    const index = Math.min(stops.length - 2, Math.floor(position));
    const f = position - index;
    for (let c = 0; c < 3; c++) image.data[4 * i + c] = stops[index][c] * (1 - f) + stops[index + 1][c] * f;
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

async function mapPreview(blob, kind) {
  const npy = parseNpy(await blob.arrayBuffer());
  if (npy) {
    const dims = npy.shape.filter(n => n > 1);
    if (dims.length !== 2) return el("p", {class: "note", text: `${kind} array of shape ${npy.shape}`});
    return falseColour(npy.values, dims[1], dims[0], kind);
  }
  const bitmap = await createImageBitmap(blob);
  const scale = Math.min(1, 256 / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const scratch = el("canvas", {width, height}).getContext("2d");
  scratch.drawImage(bitmap, 0, 0, width, height);
  const rgba = scratch.getImageData(0, 0, width, height).data;
  const values = new Float32Array(width * height);
  for (let i = 0; i < values.length; i++) {
    values[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
  }
  return falseColour(values, width, height, kind);
}

function imuChannels(text) {
  const rows = text.trim().split(/\r?\n/).map(line => line.split(/[,;\t ]+/).map(Number));
  const numeric = rows.filter(row => row.length > 1 && row.every(Number.isFinite));
  if (!numeric.length) return [];
  const width = Math.min(...numeric.map(row => row.length));
  return Array.from({length: width}, (_, c) => numeric.map(row => row[c]));
}

function imuPlot(channels) {
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", "0 0 200 100");
  svg.setAttribute("class", "preview plot");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `IMU recording, ${channels.length} channels`);
  const colours = ["#d33", "#3a3", "#33d", "#c80", "#0aa", "#a0a", "#555", "#888", "#080"];
  const all = channels.flat();
  const low = Math.min(...all);
  const high = Math.max(...all);
  channels.forEach((series, c) => {
    const step = Math.max(1, Math.floor(series.length / 200));
    const points = [];
    for (let i = 0; i < series.length; i += step) {
      const x = (200 * i) / Math.max(1, series.length - 1);
      const y = high > low ? 98 - (96 * (series[i] - low)) / (high - low) : 50;
      points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    }
    const line = document.createElementNS(svgNs, "polyline");
    line.setAttribute("points", points.join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", colours[c % colours.length]);
    line.setAttribute("stroke-width", "1");
    svg.append(line);
  });
  return svg;
}

async function imuPreview(blob) {
  const npy = parseNpy(await blob.arrayBuffer());
  if (npy && npy.shape.length === 2) {
    const [rows, cols] = npy.shape;
    const timeFirst = cols <= rows;
    const count = timeFirst ? cols : rows;
    const length = timeFirst ? rows : cols;
    return imuPlot(Array.from({length: count}, (_, c) => Array.from({length},
      (_, t) => npy.values[timeFirst ? t * cols + c : c * length + t])));
  }
  const channels = imuChannels(await blob.text());
  return channels.length ? imuPlot(channels) : el("p", {class: "note", text: "IMU recording (unreadable for a plot)"});
}

// A preview element for `blob` (the item's media) of input kind `kind`.
async function previewOf(blob, kind, label) {
  const type = blob.type || "";
  if (kind === "depth" || kind === "thermal") return mapPreview(blob, kind);
  if (kind === "imu") return imuPreview(blob);
  if (kind === "text") return el("blockquote", {class: "preview text", text: (await blob.text()).slice(0, 400)});
  const url = URL.createObjectURL(blob);
  if (type.startsWith("image/")) {
    const img = el("img", {src: url, alt: label, class: "preview"});
    img.addEventListener("error", () => img.replaceWith(el("p", {class: "note", text: "the browser cannot show this image"})));
    return img;
  }
  if (kind === "audio" || type.startsWith("audio/")) {
    return el("audio", {src: url, controls: "", preload: "metadata", class: "preview", "aria-label": label});
  }
  if (kind === "video" || type.startsWith("video/")) {
    return el("video", {src: url, controls: "", preload: "metadata", muted: "", class: "preview", "aria-label": label});
  }
  return el("p", {class: "note", text: `${type || "file"}, ${blob.size} bytes`});
}

function urlPreview(metadata, kind, label) {
  const key = URL_KEYS.find(k => typeof metadata[k] === "string" && /^(https?:\/\/|\/)/.test(metadata[k]));
  if (!key) return null;
  const src = metadata[key];
  if (kind === "audio") return el("audio", {src, controls: "", preload: "none", class: "preview", "aria-label": label});
  if (kind === "video") return el("video", {src, controls: "", preload: "metadata", class: "preview", "aria-label": label});
  return el("img", {src, alt: label, class: "preview", loading: "lazy"});
}

async function hitPreview(collection, hit) {
  const label = `${hit.modality} ${hit.id}`;
  if (collection.media !== "none") {
    try {
      return await previewOf(await api.blob(`${itemPath(collection.name, hit.id)}/media`), hit.modality, label);
    } catch (error) {
      if (!(error instanceof ApiFailure && error.status === 404)) return el("p", {class: "note", text: error.message});
    }
  }
  return urlPreview(hit.metadata || {}, hit.modality, label) || el("p", {class: "note", text: "no preview"});
}

// ---- collections ---------------------------------------------------------------------------------

let collections = [];

function fillCollectionSelect(id, preferred) {
  const select = $(id);
  const current = preferred || select.value;
  select.replaceChildren(...collections.map(c => el("option", {value: c.name, text: `${c.name} (${c.count})`})));
  if (collections.some(c => c.name === current)) select.value = current;
}

function countsText(counts) {
  const parts = Object.entries(counts).sort().map(([kind, n]) => `${kind} ${n}`);
  return parts.length ? parts.join(", ") : "empty";
}

async function loadCollections() {
  try {
    collections = (await api.json("GET", "v1/collections")).data;
    showError("collections-error", null);
    showError("search-error", null);
  } catch (error) {
    showError("collections-error", error);
    showError("search-error", error);
    return;
  }
  $("collections-rows").replaceChildren(...collections.map(c => {
    const open = el("button", {type: "button", text: "Search", "aria-label": `Search ${c.name}`});
    open.addEventListener("click", () => { $("search-collection").value = c.name; selectView("search"); });
    const drop = el("button", {type: "button", class: "danger", text: "Drop", "aria-label": `Drop ${c.name}`});
    drop.addEventListener("click", () => dropCollection(c.name));
    return el("tr", {"data-name": c.name},
      el("th", {scope: "row", text: c.name}), el("td", {text: String(c.count)}),
      el("td", {text: countsText(c.counts_by_modality)}), el("td", {text: c.index}),
      el("td", {text: c.media}), el("td", {}, open, " ", drop));
  }));
  fillCollectionSelect("search-collection");
  fillCollectionSelect("ingest-collection");
}

async function dropCollection(name) {
  if (!window.confirm(`Drop collection "${name}" and all its items?`)) return;
  try {
    await api.json("DELETE", collectionPath(name));
  } catch (error) {
    showError("collections-error", error);
  }
  await loadCollections();
}

async function createCollection(event) {
  event.preventDefault();
  const name = $("create-name").value.trim();
  try {
    await api.json("POST", "v1/collections", {name, index: $("create-index").value, media: $("create-media").value});
    showError("collections-error", null);
    $("create-name").value = "";
  } catch (error) {
    showError("collections-error", error);
    return;
  }
  await loadCollections();
  fillCollectionSelect("ingest-collection", name);
  fillCollectionSelect("search-collection", name);
}

async function ingest(files) {
  const name = $("ingest-collection").value;
  const progress = $("ingest-progress");
  const status = $("ingest-status");
  const failed = $("ingest-failed");
  if (!name) { status.textContent = "Create or choose a collection first."; return; }
  failed.replaceChildren();
  progress.hidden = false;
  progress.max = files.length;
  progress.value = 0;
  let done = 0;
  let failures = 0;
  const report = () => {
    progress.value = done;
    status.textContent = `${done} of ${files.length} files sent to ${name}` + (failures ? `, ${failures} failed` : "");
  };
  report();
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const id = file.webkitRelativePath || file.name;
      try {
        const kind = kindFor(file, "ingest-kind");
        const item = {id, input: await inputOf(file, kind),
                      metadata: {filename: file.name, bytes: file.size, media_type: file.type || null}};
        await api.json("POST", `${collectionPath(name)}/items`, {items: [item]});
      } catch (error) {
        failures += 1;
        failed.append(el("li", {}, el("strong", {text: id}), `: ${error.message}`));
      }
      done += 1;
      report();
    }
  };
  await Promise.all(Array.from({length: INGEST_CONCURRENCY}, worker));
  status.textContent = `Done: ${files.length - failures} of ${files.length} files ingested into ${name}` +
    (failures ? `; ${failures} failed (listed below).` : ".");
  await loadCollections();
}

// ---- search --------------------------------------------------------------------------------------

let queryFiles = [];

function renderQueryFiles() {
  $("search-terms").replaceChildren(...queryFiles.map((term, index) => {
    const weight = el("input", {type: "number", step: "0.1", value: String(term.weight), class: "weight",
                                "aria-label": `weight of ${term.file.name}`});
    weight.addEventListener("input", () => { term.weight = Number(weight.value); });
    const remove = el("button", {type: "button", text: "Remove", "aria-label": `Remove ${term.file.name}`});
    remove.addEventListener("click", () => { queryFiles.splice(index, 1); renderQueryFiles(); });
    return el("li", {}, el("span", {text: `${term.file.name} (${term.kind})`}), " weight ", weight, " ", remove);
  }));
}

function parseFilter(text) {
  const filter = {};
  for (const part of text.split(",").map(s => s.trim()).filter(Boolean)) {
    const at = part.indexOf("=");
    if (at < 1) throw new Error(`Metadata filter "${part}" is not key=value.`);
    const key = part.slice(0, at).trim();
    const raw = part.slice(at + 1).trim();
    let value = raw;
    try { value = JSON.parse(raw); } catch (_) { /* a bare word is a string */ }
    if (value !== null && typeof value === "object") value = raw;
    filter[key] = key in filter ? [].concat(filter[key], value) : value;
  }
  return Object.keys(filter).length ? filter : null;
}

async function search(event) {
  event.preventDefault();
  showError("search-error", null);
  const name = $("search-collection").value;
  const collection = collections.find(c => c.name === name);
  const results = $("search-results");
  results.replaceChildren();
  $("search-summary").textContent = "Searching...";
  try {
    if (!collection) throw new Error("Create a collection first (Collections view).");
    const terms = [];
    const phrase = $("search-text").value.trim();
    if (phrase) terms.push({weight: Number($("search-text-weight").value), input: {modality: "text", text: phrase}});
    for (const term of queryFiles) terms.push({weight: term.weight, input: await inputOf(term.file, term.kind)});
    if (!terms.length) throw new Error("Type a phrase or add a file to search with.");
    const query = terms.length === 1 && terms[0].weight === 1 ? {input: terms[0].input} : {combine: terms};
    const body = {query, k: Number($("search-k").value) || 12};
    const kinds = [...document.querySelectorAll("#search-kinds input:checked")].map(box => box.value);
    if (kinds.length) body.modalities = kinds;
    const filter = parseFilter($("search-filter").value);
    if (filter) body.filter = filter;
    $("search-go").disabled = true;
    const hits = (await api.json("POST", `${collectionPath(name)}/search`, body)).results;
    $("search-summary").textContent = `${hits.length} results in ${name}`;
    results.replaceChildren(...hits.map(hit => resultCard(collection, hit)));
  } catch (error) {
    showError("search-error", error);
    $("search-summary").textContent = "";
  } finally {
    $("search-go").disabled = false;
  }
}

function metadataList(metadata) {
  return el("dl", {class: "meta"}, Object.entries(metadata || {}).flatMap(([key, value]) =>
    [el("dt", {text: key}), el("dd", {text: typeof value === "string" ? value : JSON.stringify(value)})]));
}

function resultCard(collection, hit) {
  const slot = el("div", {class: "slot"}, el("p", {class: "note", text: "loading preview"}));
  hitPreview(collection, hit).then(preview => slot.replaceChildren(preview));
  return el("li", {class: "card", "data-id": hit.id, "data-kind": hit.modality}, slot,
    el("h3", {text: hit.id}),
    el("p", {}, el("span", {class: "badge", text: hit.modality}), " score ",
       el("span", {class: "score", text: hit.score.toFixed(3)})),
    metadataList(hit.metadata));
}

// ---- label ---------------------------------------------------------------------------------------

let labelFiles = [];
let labelRows = [];

function renderLabelFiles() {
  $("label-inputs").replaceChildren(...labelFiles.map((entry, index) => {
    const remove = el("button", {type: "button", text: "Remove", "aria-label": `Remove ${entry.file.name}`});
    remove.addEventListener("click", () => { labelFiles.splice(index, 1); renderLabelFiles(); });
    return el("li", {}, el("span", {text: `${entry.file.name} (${entry.kind})`}), " ", remove);
  }));
}

const splitList = (text, separators) => text.split(separators).map(s => s.trim()).filter(Boolean);

function csvCell(value) {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function scoreBar(result) {
  const fill = el("span");
  fill.style.width = `${(100 * result.score).toFixed(1)}%`;  // CSSOM: the page's policy forbids style attributes
  return el("span", {class: "bar", role: "meter", "aria-valuemin": "0", "aria-valuemax": "1",
                     "aria-valuenow": result.score.toFixed(4), "aria-label": `${result.label} score`}, fill);
}

async function label(event) {
  event.preventDefault();
  showError("label-error", null);
  const labels = splitList($("label-labels").value, /[\n,]/);
  const templates = splitList($("label-templates").value, /\n/);
  const results = $("label-results");
  const link = $("label-csv");
  try {
    if (!labelFiles.length) throw new Error("Add at least one input file.");
    if (!labels.length) throw new Error("Enter at least one candidate label.");
    $("label-go").disabled = true;
    results.replaceChildren();
    labelRows = [];
    for (const entry of labelFiles) {
      const card = el("li", {class: "card", "data-name": entry.file.name}, el("h3", {text: entry.file.name}));
      results.append(card);
      previewOf(entry.file, entry.kind, entry.file.name)
        .catch(error => el("p", {class: "note", text: `no preview: ${error.message}`}))
        .then(preview => card.insertBefore(preview, card.children[1]));
      try {
        const body = {input: await inputOf(entry.file, entry.kind), candidate_labels: labels};
        if (templates.length) body.hypothesis_template = templates;
        const answer = await api.json("POST", "v1/classify", body);
        card.append(el("ol", {class: "ranked"}, answer.results.map(result => {
          labelRows.push([entry.file.name, entry.kind, result.label, result.score, result.cosine]);
          return el("li", {},
            el("span", {class: "label", text: result.label}),
            scoreBar(result),
            el("span", {class: "score", text: result.score.toFixed(3)}));
        })));
      } catch (error) {
        card.append(el("p", {class: "error", role: "alert", text: error.message}));
      }
    }
    const csv = [["input", "kind", "label", "score", "cosine"], ...labelRows].map(row => row.map(csvCell).join(","));
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([csv.join("\n") + "\n"], {type: "text/csv"}));
    link.hidden = !labelRows.length;
  } catch (error) {
    showError("label-error", error);
  } finally {
    $("label-go").disabled = false;
  }
}

// ---- views and start-up --------------------------------------------------------------------------

function selectView(name) {
  for (const view of ["search", "label", "collections"]) {
    const tab = $(`tab-${view}`);
    tab.setAttribute("aria-selected", String(view === name));
    tab.tabIndex = view === name ? 0 : -1;
    $(`view-${view}`).hidden = view !== name;
  }
  history.replaceState(null, "", `#${name}`);
}

function wireTabs() {
  const names = ["search", "label", "collections"];
  names.forEach((name, index) => {
    const tab = $(`tab-${name}`);
    tab.addEventListener("click", () => selectView(name));
    tab.addEventListener("keydown", event => {
      const step = {ArrowRight: 1, ArrowLeft: -1}[event.key];
      if (!step) return;
      const next = names[(index + step + names.length) % names.length];
      selectView(next);
      $(`tab-${next}`).focus();
    });
  });
}

function fillKindControls() {
  for (const select of document.querySelectorAll(".kind-select")) {
    const chosen = select.value;
    select.replaceChildren(el("option", {value: "auto", text: "from file name"}),
                           ...kinds.map(kind => el("option", {value: kind, text: kind})));
    if (kinds.includes(chosen)) select.value = chosen;
  }
  const checked = new Set([...document.querySelectorAll("#search-kinds input:checked")].map(box => box.value));
  $("search-kinds").replaceChildren(...kinds.map(kind => {
    const box = el("input", {type: "checkbox", value: kind});
    box.checked = checked.has(kind);
    return el("label", {}, box, ` ${kind}`);
  }));
}

async function loadKinds() {
  try {
    const served = (await api.json("GET", "v1/models")).data[0].input_kinds;
    if (served && served.length) kinds = served;
  } catch (_) { /* loadCollections shows the same API error */ }
  fillKindControls();
}

function refresh() {
  loadKinds();
  loadCollections();
}

function start() {
  fillKindControls();
  wireTabs();
  $("key").value = sessionStorage.getItem(KEY_STORAGE) || "";
  $("key-form").addEventListener("submit", event => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, $("key").value.trim());
    refresh();
  });
  $("search-form").addEventListener("submit", search);
  $("label-form").addEventListener("submit", label);
  $("create-form").addEventListener("submit", createCollection);
  $("ingest-form").addEventListener("submit", event => event.preventDefault());
  wireDropZone("search-drop", "search-files", files => {
    queryFiles.push(...files.map(file => ({file, kind: kindFor(file, "search-kind"), weight: 1})));
    renderQueryFiles();
  });
  wireDropZone("label-drop", "label-files", files => {
    labelFiles.push(...files.map(file => ({file, kind: kindFor(file, "label-kind")})));
    renderLabelFiles();
  });
  wireDropZone("ingest-drop", "ingest-files", ingest);
  const initial = location.hash.slice(1);
  selectView(["search", "label", "collections"].includes(initial) ? initial : "search");
  refresh();
}

document.addEventListener("DOMContentLoaded", start);
