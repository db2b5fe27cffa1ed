// The bindspace page: three views over the public API, no external assets, no build step.

import {KEY_STORAGE, api, collectionPath} from "./api.js";
import {$, el, showError} from "./dom.js";
import {inputOf, kindFor, wireDropZone} from "./files.js";
import {hitPreview, previewOf} from "./previews.js";

// The served model's input kinds come from GET /v1/models; these are the built-in ones until it answers.
let kinds = ["image", "video", "audio", "text", "depth", "thermal", "imu"];
const INGEST_CONCURRENCY = 2;

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
