"""The offline API docs page: plain HTML and JavaScript that render /openapi.json, no external assets."""

PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>bindspace API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 2rem; color: #222; }
  h1 { margin-bottom: 0; }
  .op { border: 1px solid #ccc; border-radius: 6px; margin: 0.8rem 0; }
  .op > summary { cursor: pointer; padding: 0.5rem 0.8rem; font-family: monospace; font-size: 1rem; }
  .op > div { padding: 0 0.8rem 0.8rem; }
  .m { display: inline-block; min-width: 4.5rem; font-weight: bold; }
  .get { color: #0a6; } .post { color: #06c; } .delete { color: #c33; } .put { color: #a60; } .head { color: #666; }
  pre, textarea { background: #f6f6f6; border: 1px solid #ddd; padding: 0.5rem; font-size: 0.85rem; overflow: auto; }
  textarea { width: 100%; min-height: 8rem; box-sizing: border-box; font-family: monospace; }
  input[type=text] { width: 100%; box-sizing: border-box; font-family: monospace; }
  .tag { margin-top: 1.5rem; font-size: 1.2rem; text-transform: capitalize; }
</style>
</head>
<body>
<h1>bindspace API</h1>
<p>This page needs nothing but this server: it reads <a href="openapi.json">openapi.json</a>.
<label>API key (optional): <input id="key" type="text" placeholder="Bearer key"></label></p>
<div id="intro"></div>
<div id="ops"></div>
<script>
"use strict";
const base = location.pathname.replace(/\/docs\/?$/, "");
const el = (tag, attrs = {}, ...kids) => {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => (k === "class" ? node.className = v : node.setAttribute(k, v)));
  kids.flat().forEach(kid => node.append(kid));
  return node;
};
const pretty = value => JSON.stringify(value, null, 2);
function example(content) {
  if (!content) return undefined;
  if (content.example !== undefined) return content.example;
  if (content.examples) return Object.values(content.examples)[0].value;
  const schema = content.schema || {};
  if (schema.examples) return schema.examples[0];
  return undefined;
}
function resolve(spec, schema) {
  while (schema && schema.$ref) schema = spec.components.schemas[schema.$ref.split("/").pop()];
  return schema;
}
function operation(spec, path, method, op) {
  const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
  const bodySchema = body && resolve(spec, body.schema);
  const bodyExample = example(body) ?? (bodySchema && bodySchema.examples && bodySchema.examples[0]);
  const pathBox = el("input", { type: "text", value: path });
  const bodyBox = el("textarea"); bodyBox.value = bodyExample === undefined ? "" : pretty(bodyExample);
  const out = el("pre");
  const send = el("button", {}, "Send");
  send.onclick = async () => {
    const headers = {};
    const key = document.getElementById("key").value.trim();
    if (key) headers.Authorization = "Bearer " + key;
    const init = { method: method.toUpperCase(), headers };
    if (body && bodyBox.value.trim()) { headers["Content-Type"] = "application/json"; init.body = bodyBox.value; }
    out.textContent = "...";
    try {
      const res = await fetch(base + pathBox.value, init);
      const text = await res.text();
      let shown = text;
      try { shown = pretty(JSON.parse(text)); } catch (e) { /* not JSON */ }
      out.textContent = res.status + " " + res.statusText + "\n" + shown;
    } catch (e) { out.textContent = String(e); }
  };
  const responses = Object.entries(op.responses || {}).map(([code, r]) => {
    const content = r.content && Object.values(r.content)[0];
    const ex = example(content) ?? (content && resolve(spec, content.schema)?.examples?.[0]);
    return el("div", {}, el("b", {}, code + " "), r.description || "", ex === undefined ? "" : el("pre", {}, pretty(ex)));
  });
  return el("details", { class: "op" },
    el("summary", {}, el("span", { class: "m " + method }, method.toUpperCase()), path, " \u2014 ", op.summary || ""),
    el("div", {},
      el("p", {}, op.description || ""),
      el("p", {}, el("b", {}, "Path")), pathBox,
      body ? [el("p", {}, el("b", {}, "JSON body")), bodyBox] : [],
      el("p", {}, send), out,
      el("p", {}, el("b", {}, "Responses")), responses));
}
fetch(base + "/openapi.json").then(r => r.json()).then(spec => {
  document.getElementById("intro").append(el("pre", {}, spec.info.description || ""));
  const byTag = {};
  Object.entries(spec.paths).forEach(([path, item]) => Object.entries(item).forEach(([method, op]) => {
    const tag = (op.tags || ["other"])[0];
    (byTag[tag] = byTag[tag] || []).push(operation(spec, path, method, op));
  }));
  const ops = document.getElementById("ops");
  Object.entries(byTag).forEach(([tag, nodes]) => ops.append(el("div", { class: "tag" }, tag), ...nodes));
});
</script>
</body>
</html>
"""
