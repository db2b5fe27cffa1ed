// Files chosen or dropped by the user, as API inputs of a kind.

import {$} from "./dom.js";

const KIND_BY_EXTENSION = {
  jpg: "image", jpeg: "image", png: "image", webp: "image", gif: "image", bmp: "image", tif: "image", tiff: "image",
  mp4: "video", mov: "video", webm: "video", mkv: "video", avi: "video", m4v: "video",
  wav: "audio", flac: "audio", mp3: "audio", ogg: "audio", m4a: "audio", aac: "audio", opus: "audio",
  txt: "text", md: "text", csv: "imu", npy: "depth",
};

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

export function kindFor(file, selectId) {
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

export async function inputOf(file, kind) {
  if (kind === "text") return {modality: "text", text: await readFile(file, true)};
  let data = await readFile(file, false);
  if (data.startsWith("data:;")) data = "data:application/octet-stream;" + data.slice(6);
  return {modality: kind, data};
}

export function wireDropZone(zoneId, inputId, onFiles) {
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
