// Offline API reference: renders /openapi.json with DOM text nodes (no HTML from the schema is parsed).
"use strict";

function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function resolve(spec, schema) {
  if (schema && schema.$ref) return spec.components.schemas[schema.$ref.split("/").pop()] || schema;
  return schema || {};
}

function typeOf(spec, s) {
  s = s || {};
  if (s.$ref) return s.$ref.split("/").pop();
  if (s.anyOf) return s.anyOf.map((x) => typeOf(spec, x)).join(" | ");
  if (s.type === "array") return `${typeOf(spec, s.items)}[]`;
  return s.type || "any";
}

function schemaTable(spec, schema) {
  const s = resolve(spec, schema);
  const props = s.properties || {};
  const req = new Set(s.required || []);
  if (!Object.keys(props).length) return el("p", "muted", typeOf(spec, schema));
  const rows = Object.entries(props).map(([name, p]) =>
    el("tr", null, el("td", null, el("code", null, name), req.has(name) ? " *" : ""),
      el("td", null, typeOf(spec, p)), el("td", null, p.description || p.title || "")));
  return el("table", null, el("thead", null, el("tr", null, el("th", null, "field"), el("th", null, "type"),
    el("th", null, "description"))), el("tbody", null, ...rows));
}

async function main() {
  const box = document.getElementById("api");
  let spec;
  try {
    spec = await (await fetch("/openapi.json")).json();
  } catch (err) {
    box.appendChild(el("p", "status error", "could not load /openapi.json"));
    return;
  }
  box.appendChild(el("h2", null, `${spec.info.title} ${spec.info.version}`));
  if (spec.info.summary) box.appendChild(el("p", null, spec.info.summary));
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const sec = el("section", "cluster");
      sec.appendChild(el("h3", null, el("code", null, `${method.toUpperCase()} ${path}`)));
      if (op.summary) sec.appendChild(el("p", null, el("strong", null, op.summary)));
      if (op.description) sec.appendChild(el("p", null, op.description));
      if (op.security) sec.appendChild(el("p", "muted", "needs a bearer token"));
      for (const prm of op.parameters || []) {
        sec.appendChild(el("p", "muted", `${prm.in} parameter `, el("code", null, prm.name), `: ${typeOf(spec, prm.schema)}`,
          prm.description ? ` (${prm.description})` : ""));
      }
      const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
      if (body) {
        sec.appendChild(el("h4", null, "request body"));
        sec.appendChild(schemaTable(spec, body.schema));
      }
      const codes = Object.keys(op.responses || {}).join(", ");
      sec.appendChild(el("p", "muted", `responses: ${codes}`));
      box.appendChild(sec);
    }
  }
}

document.addEventListener("DOMContentLoaded", main);
