// Previews of items and inputs: images, players, false-colour depth and thermal maps, IMU plots, text.

import {ApiFailure, api, itemPath} from "./api.js";
import {el} from "./dom.js";

const URL_KEYS = ["preview_url", "thumbnail_url", "image_url", "media_url", "url"];

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
export async function previewOf(blob, kind, label) {
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

export async function hitPreview(collection, hit) {
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
