// retold page: a thin client over the REST API.
//
// Safety rule: every piece of article text reaches the DOM through document.createTextNode or
// textContent, never through an HTML parser (no innerHTML, outerHTML, insertAdjacentHTML,
// document.write), so a pasted "<script>" is shown, never run. A test greps this file for those.
"use strict";

const REUSE_TYPES = ["verbatim", "near-verbatim", "spun", "paraphrased", "summarised"];
const TYPE_HELP = {
  "verbatim": "copied word for word",
  "near-verbatim": "copied with small changes",
  "spun": "words swapped for synonyms",
  "paraphrased": "rewritten, same meaning",
  "summarised": "condensed into fewer sentences",
};
const ROLE_HELP = {
  "source": "this article reuses it",
  "copy": "it reuses this article",
  "related": "reuse found, direction undetermined",
};
const VERDICT_HELP = {
  "copy": "most of one article is reused in the other",
  "partial-reuse": "some passages are reused",
  "same-story": "same events, independently written",
  "unrelated": "no reuse found",
};

// ---------------------------------------------------------------- DOM helpers

// h("div", {class: "x", title: "t"}, "text", child) builds an element; strings become text nodes.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) throw new Error("attach handlers with addEventListener");
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style") Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) append(el, c);
  return el;
}

function append(el, c) {
  if (c === null || c === undefined || c === false) return;
  if (Array.isArray(c)) c.forEach((x) => append(el, x));
  else if (c instanceof Node) el.appendChild(c);
  else el.appendChild(document.createTextNode(String(c)));
}

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

const $ = (id) => document.getElementById(id);
const pct = (x) => `${Math.round((x || 0) * 100)}%`;

function setStatus(el, text, kind) {
  el.textContent = text || "";
  el.className = "status" + (kind ? " " + kind : "");
}

// ---------------------------------------------------------------- API

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new Error("the service did not answer; is `retold serve` still running?");
  }
  let data = null;
  try {
    data = await res.json();
  } catch (err) {
    data = null;
  }
  if (!res.ok) throw new Error(describeError(res.status, data));
  return data;
}

function describeError(status, data) {
  const detail = data && data.detail;
  if (Array.isArray(detail)) {
    // pydantic validation errors: "body.a: Field required"
    return detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
  }
  if (typeof detail === "string") return `${detail} (HTTP ${status})`;
  return `request failed with HTTP ${status}`;
}

// A request document: the raw string (so a leading "date YYYY-MM-DD" marker is read, as in files)
// unless the form gives a date or title.
function docFromForm(side) {
  const text = $(`text-${side}`).value;
  const date = $(`date-${side}`).value;
  const title = $(`title-${side}`).value.trim();
  if (!date && !title) return text;
  const doc = { text };
  if (date) doc.date = date;
  if (title) doc.title = title;
  return doc;
}

// ---------------------------------------------------------------- rendering one side

// Clip sorted [start, end) items so none overlaps the previous one (passages should not overlap;
// if a backend ever returns overlaps the page still shows every character exactly once).
function clipSorted(items) {
  items.sort((x, y) => x.start - y.start || y.end - x.end);
  const out = [];
  let cursor = 0;
  for (const it of items) {
    const start = Math.max(it.start, cursor);
    if (start >= it.end) continue;
    out.push(Object.assign({}, it, { start }));
    cursor = it.end;
  }
  return out;
}

// Word edits of one passage on one side, as marks inside the passage.
function editMarks(passage, side, lo, hi, repaired) {
  const marks = [];
  for (const r of repaired || []) {
    marks.push({ start: r.start, end: r.end, cls: "repaired", title: "paragraph break inside a sentence: joined for matching" });
  }
  for (const e of passage.edits || []) {
    const span = side === "a" ? e.a_span : e.b_span;
    if (e.op === "move") {
      if (span) marks.push({ start: span.start, end: span.end, cls: "ed-move", title: "moved" });
      continue;
    }
    if (side === "a") {
      if (span && (e.op === "substitute" || e.op === "delete")) {
        const title = e.op === "substitute" ? `changed to “${e.b}”` : "removed in B";
        marks.push({ start: span.start, end: span.end, cls: "ed-del", title });
      }
    } else if (span && (e.op === "substitute" || e.op === "insert")) {
      const title = e.op === "substitute" ? `was “${e.a}”` : "added in B";
      marks.push({ start: span.start, end: span.end, cls: "ed-ins", title, ghost: e.op === "substitute" ? e.a : null });
    }
  }
  return clipSorted(
    marks
      .map((m) => Object.assign(m, { start: Math.max(m.start, lo), end: Math.min(m.end, hi) }))
      .filter((m) => m.start < m.end),
  );
}

function fillRange(el, text, lo, hi, marks) {
  let cursor = lo;
  for (const m of marks) {
    if (m.start > cursor) el.appendChild(document.createTextNode(text.slice(cursor, m.start)));
    // A substitution shows the old wording struck out just before the new one: <del>a</del><ins>b</ins>.
    if (m.ghost) el.appendChild(h("del", { class: "ghost", title: "wording in A" }, m.ghost));
    if (m.cls === "repaired") el.appendChild(h("span", { class: "repair-sign", title: m.title, "aria-hidden": "true" }, "↩"));
    const tag = m.cls === "ed-ins" ? "ins" : m.cls === "ed-del" ? "del" : "span";
    el.appendChild(h(tag, { class: m.cls, title: m.title }, text.slice(m.start, m.end)));
    cursor = m.end;
  }
  if (cursor < hi) el.appendChild(document.createTextNode(text.slice(cursor, hi)));
}

function renderSide(el, text, side, result, view) {
  clear(el);
  const items = [];
  result.passages.forEach((p, i) => {
    const span = p[side];
    items.push({ start: span.start, end: span.end, kind: "passage", index: i, passage: p });
  });
  const extra = side === "a" ? result.dropped : result.added;
  for (const s of extra || []) items.push({ start: s.start, end: s.end, kind: side === "a" ? "dropped" : "added" });
  let cursor = 0;
  for (const it of clipSorted(items)) {
    if (it.start > cursor) el.appendChild(document.createTextNode(text.slice(cursor, it.start)));
    if (it.kind === "passage") {
      const p = it.passage;
      const mark = h("mark", {
        class: `passage t-${p.type}`,
        tabindex: "0",
        role: "button",
        title: `${p.type} (${TYPE_HELP[p.type] || ""}), similarity ${Math.round(p.score * 100)}%: click to find it in the other article`,
        dataset: { p: String(it.index), side },
      });
      const repaired = (result.repaired_breaks || {})[side];
      if (view.showEdits) fillRange(mark, text, it.start, it.end, editMarks(p, side, it.start, it.end, repaired));
      else mark.appendChild(document.createTextNode(text.slice(it.start, it.end)));
      el.appendChild(mark);
    } else {
      const title = it.kind === "added" ? "only in B: new material" : "only in A: left out of B";
      el.appendChild(h("span", { class: it.kind, title }, text.slice(it.start, it.end)));
    }
    cursor = it.end;
  }
  if (cursor < text.length) el.appendChild(document.createTextNode(text.slice(cursor)));
}

// ---------------------------------------------------------------- the comparison view

function verdictBadge(verdict) {
  return h("span", { class: `verdict v-${verdict}`, title: VERDICT_HELP[verdict] || "" }, verdict);
}

function sourceLine(result, labels) {
  const src = result.source;
  const who = src ? `${labels[src]} is the source` : "source undetermined";
  return h(
    "div",
    { class: "source" },
    h("strong", {}, who),
    src ? h("span", { class: "muted" }, ` (${pct(result.source_confidence)} confident, by ${result.source_method})`) : null,
    result.source_reason ? h("div", { class: "reason" }, result.source_reason) : null,
  );
}

function shareBar(label, share) {
  return h(
    "div",
    { class: "share" },
    h("span", { class: "share-label" }, label),
    h("span", { class: "bar" }, h("span", { class: "fill", style: { width: pct(share) } })),
    h("span", { class: "share-value" }, `${pct(share)} reused`),
  );
}

function typeCounts(result) {
  const counts = {};
  for (const p of result.passages) counts[p.type] = (counts[p.type] || 0) + 1;
  return REUSE_TYPES.filter((t) => counts[t]).map((t) =>
    h("span", { class: `chip t-${t}`, title: TYPE_HELP[t] }, `${t} × ${counts[t]}`),
  );
}

function legend() {
  return h(
    "div",
    { class: "legend" },
    REUSE_TYPES.map((t) => h("span", { class: `chip t-${t}`, title: TYPE_HELP[t] }, t)),
    h("span", { class: "chip added" }, "only in B"),
    h("span", { class: "chip dropped" }, "only in A"),
    h("span", { class: "chip" }, h("del", { class: "ghost" }, "old"), " ", h("ins", { class: "ed-ins" }, "new")),
  );
}

function docHeader(label, doc) {
  const bits = [];
  if (doc.date) bits.push(doc.date);
  if (doc.outlet) bits.push(doc.outlet);
  bits.push(`${(doc.chars || 0).toLocaleString()} chars`);
  return h(
    "div",
    { class: "pane-head" },
    h("span", { class: "pane-label" }, label),
    // "a" and "b" are the ids the API gives untitled pasted texts: not worth a title.
    h("span", { class: "pane-title" }, doc.title || (doc.id === "a" || doc.id === "b" ? "" : doc.id || "")),
    h("span", { class: "muted" }, bits.join(" · ")),
    doc.url ? h("div", { class: "muted url" }, doc.url) : null,
  );
}

function excerpt(text, span, n) {
  const s = text.slice(span.start, span.end).replace(/\s+/g, " ").trim();
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

// Renders a compare result (the JSON contract) with the two texts its spans point into.
function renderComparison(container, result, texts, labels) {
  clear(container);
  container.hidden = false;
  const view = { showEdits: true };
  const docs = result.documents;
  const summary = h(
    "div",
    { class: "summary" },
    h("div", { class: "verdict-box" }, verdictBadge(result.verdict),
      h("span", { class: "muted" }, ` ${pct(result.confidence)} confident · ${VERDICT_HELP[result.verdict] || ""}`)),
    sourceLine(result, labels),
    h("div", { class: "shares" }, shareBar(labels.a, result.reuse.a), shareBar(labels.b, result.reuse.b)),
    h("div", { class: "counts" }, result.passages.length ? typeCounts(result) : h("span", { class: "muted" }, "no reused passages")),
  );
  const toggle = h("input", { type: "checkbox", id: `edits-${container.id}`, checked: true });
  const controls = h("div", { class: "view-controls" }, legend(),
    h("label", { class: "inline" }, toggle, " show word edits"));
  const paneA = h("div", { class: "doc", dataset: { side: "a" } });
  const paneB = h("div", { class: "doc", dataset: { side: "b" } });
  const panes = h(
    "div",
    { class: "panes" },
    h("div", { class: "pane" }, docHeader("A", docs.a), paneA),
    h("div", { class: "pane" }, docHeader("B", docs.b), paneB),
  );
  const rows = result.passages.map((p, i) =>
    h(
      "tr",
      { dataset: { p: String(i) }, tabindex: "0" },
      h("td", {}, String(i + 1)),
      h("td", {}, h("span", { class: `chip t-${p.type}` }, p.type)),
      h("td", { class: "num" }, pct(p.score)),
      h("td", { class: "num" }, String((p.edits || []).length)),
      h("td", { class: "ex" }, excerpt(texts.a, p.a, 120)),
      h("td", { class: "ex" }, excerpt(texts.b, p.b, 120)),
    ),
  );
  const table = result.passages.length
    ? h("table", { class: "passages" },
      h("thead", {}, h("tr", {}, ["#", "type", "score", "edits", labels.a, labels.b].map((x) => h("th", {}, x)))),
      h("tbody", {}, rows))
    : null;
  append(container, [summary, controls, panes, table]);

  const draw = () => {
    renderSide(paneA, texts.a, "a", result, view);
    renderSide(paneB, texts.b, "b", result, view);
  };
  draw();
  toggle.addEventListener("change", () => {
    view.showEdits = toggle.checked;
    draw();
  });

  // Clicking a passage (or its table row) highlights it on both sides and scrolls its partner into view.
  const activate = (index, fromSide) => {
    container.querySelectorAll(".active").forEach((e) => e.classList.remove("active"));
    if (index === null) return;
    const sel = `[data-p="${index}"]`;
    container.querySelectorAll(`mark${sel}, tr${sel}`).forEach((e) => e.classList.add("active"));
    const targetSide = fromSide === "a" ? "b" : "a";
    const partner = container.querySelector(`.doc[data-side="${targetSide}"] mark${sel}`);
    if (partner) partner.scrollIntoView({ block: "nearest", behavior: "smooth" });
    if (!fromSide) {
      const own = container.querySelector(`.doc[data-side="a"] mark${sel}`);
      if (own) own.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  };
  const onPick = (ev) => {
    const mark = ev.target.closest("mark.passage");
    const row = ev.target.closest("tr[data-p]");
    if (mark) activate(Number(mark.dataset.p), mark.dataset.side);
    else if (row) activate(Number(row.dataset.p), null);
  };
  container.addEventListener("click", onPick);
  container.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") {
      if (ev.target.closest("mark.passage, tr[data-p]")) {
        ev.preventDefault();
        onPick(ev);
      }
    }
  });
}

// ---------------------------------------------------------------- compare tab

async function runCompare(ev) {
  ev.preventDefault();
  const status = $("compare-status");
  const a = docFromForm("a");
  const b = docFromForm("b");
  const ta = typeof a === "string" ? a : a.text;
  const tb = typeof b === "string" ? b : b.text;
  if (!ta.trim() || !tb.trim()) {
    setStatus(status, "paste two articles first", "error");
    return;
  }
  setStatus(status, "comparing…", "busy");
  $("compare-btn").disabled = true;
  try {
    const t0 = performance.now();
    const result = await api("POST", "/api/compare?include_text=true", { a, b });
    const ms = Math.round(performance.now() - t0);
    renderComparison($("compare-result"), result,
      { a: result.documents.a.text, b: result.documents.b.text }, { a: "A", b: "B" });
    setStatus(status, `${result.passages.length} passage(s) in ${ms} ms`, "ok");
  } catch (err) {
    setStatus(status, err.message, "error");
  } finally {
    $("compare-btn").disabled = false;
  }
}

function readFileInto(input) {
  const file = input.files && input.files[0];
  if (file) loadFile(file, input.dataset.target);
}

function loadFile(file, target) {
  const reader = new FileReader();
  reader.addEventListener("load", () => {
    const text = String(reader.result || "");
    if (/\.json$/i.test(file.name)) {
      try {
        const obj = JSON.parse(text);
        if (obj && typeof obj.text === "string") {
          $(`text-${target}`).value = obj.text;
          if (obj.date) $(`date-${target}`).value = String(obj.date).slice(0, 10);
          if (obj.title) $(`title-${target}`).value = String(obj.title);
          return;
        }
      } catch (err) {
        /* not a document object: show the file as text */
      }
    }
    $(`text-${target}`).value = text;
  });
  reader.readAsText(file);
}

function swapInputs() {
  for (const f of ["text", "date", "title"]) {
    const x = $(`${f}-a`);
    const y = $(`${f}-b`);
    [x.value, y.value] = [y.value, x.value];
  }
}

// ---------------------------------------------------------------- query tab

async function runQuery(ev) {
  ev.preventDefault();
  const status = $("query-status");
  const doc = docFromForm("q");
  const text = typeof doc === "string" ? doc : doc.text;
  if (!text.trim()) {
    setStatus(status, "paste an article first", "error");
    return;
  }
  setStatus(status, "checking…", "busy");
  $("query-result").hidden = true;
  const list = $("query-matches");
  clear(list);
  try {
    const top = Math.max(1, Math.min(100, Number($("topk-q").value) || 10));
    const res = await api("POST", "/api/query", { document: doc, top_k: top });
    setStatus(status, `${res.hits.length} match(es) among ${res.candidates} candidate(s)`, "ok");
    if (!res.hits.length) {
      append(list, h("p", { class: "muted" }, "Nothing in the store reuses this article or is reused by it."));
      return;
    }
    const rows = res.hits.map((hit, i) => {
      const other = hit.documents.b;
      const role = hit.role || "related";
      const btn = h("button", { type: "button", class: "small" }, "view side by side");
      btn.addEventListener("click", () => showMatch(res.document, hit, btn));
      return h("tr", { dataset: { i: String(i) } },
        h("td", {}, h("span", { class: `rel r-${role}`, title: ROLE_HELP[role] }, role)),
        h("td", {}, h("div", {}, other.title || hit.id), other.title ? h("div", { class: "muted" }, hit.id) : null),
        h("td", {}, other.date || "–"),
        h("td", {}, verdictBadge(hit.verdict)),
        h("td", { class: "num" }, pct(hit.reuse.a)),
        h("td", { class: "num" }, pct(hit.reuse.b)),
        h("td", {}, btn));
    });
    append(list, h("table", { class: "matches" },
      h("thead", {}, h("tr", {}, ["it is", "document", "date", "verdict", "of this reused", "of it reused", ""].map((x) => h("th", {}, x)))),
      h("tbody", {}, rows)));
  } catch (err) {
    setStatus(status, err.message, "error");
  }
}

async function showMatch(query, hit, btn) {
  const status = $("query-status");
  btn.disabled = true;
  try {
    const doc = await api("GET", `/api/documents/${encodeURIComponent(hit.id)}`);
    renderComparison($("query-result"), hit, { a: query.text, b: doc.text },
      { a: "this article", b: doc.title || doc.id });
    $("query-result").scrollIntoView({ block: "start", behavior: "smooth" });
  } catch (err) {
    setStatus(status, err.message, "error");
  } finally {
    btn.disabled = false;
  }
}

// ---------------------------------------------------------------- clusters tab

const DAY = 86400000;

function renderTimeline(data) {
  const box = $("timeline");
  clear(box);
  clear($("cluster-detail"));
  $("cluster-result").hidden = true;
  const clusters = data.clusters;
  if (!clusters.length) {
    append(box, h("p", { class: "muted" }, data.hint || "No reprint clusters in the store."));
    return;
  }
  const dated = clusters.flatMap((c) => c.documents.filter((d) => d.date).map((d) => Date.parse(d.date)));
  const lo = dated.length ? Math.min(...dated) : 0;
  const hi = dated.length ? Math.max(...dated) : 0;
  const spanMs = Math.max(hi - lo, DAY);
  const x = (d) => `${(((Date.parse(d) - lo) / spanMs) * 100).toFixed(2)}%`;

  const axis = h("div", { class: "axis" });
  // Up to 6 ticks on whole days, never the same day twice.
  const days = Math.round(spanMs / DAY);
  const step = Math.max(1, Math.ceil(days / 5));
  for (let d = 0; d <= days; d += step) {
    const t = new Date(lo + d * DAY).toISOString().slice(0, 10);
    axis.appendChild(h("span", { class: "tick", style: { left: `${((d * DAY) / spanMs) * 100}%` } }, t));
  }
  const head = h("div", { class: "tl-row tl-head" }, h("div", { class: "tl-label" },
    `${clusters.length} of ${data.total} cluster(s)`), h("div", { class: "tl-track" }, axis));
  const rows = clusters.map((c) => {
    const track = h("div", { class: "tl-track" });
    if (c.first_date && c.last_date && c.last_date !== c.first_date) {
      track.appendChild(h("span", { class: "tl-range", style: { left: x(c.first_date),
        width: `calc(${x(c.last_date)} - ${x(c.first_date)})` } }));
    }
    c.documents.forEach((d) => {
      if (!d.date) return;
      track.appendChild(h("span", {
        class: "dot" + (d.id === c.origin ? " first" : ""),
        style: { left: x(d.date) },
        title: `${d.date} · ${d.title || d.id}${d.outlet ? " · " + d.outlet : ""}`,
      }));
    });
    const undated = c.documents.filter((d) => !d.date).length;
    const label = h("div", { class: "tl-label" },
      h("strong", {}, `#${c.id + 1}`), ` ${c.size} docs`,
      h("div", { class: "muted" }, c.first_date ? `${c.first_date} → ${c.last_date}` : "undated",
        undated && c.first_date ? ` (+${undated} undated)` : ""));
    const row = h("div", { class: "tl-row", tabindex: "0", role: "button", dataset: { c: String(c.id) } }, label, track);
    const open = () => {
      box.querySelectorAll(".tl-row.active").forEach((e) => e.classList.remove("active"));
      row.classList.add("active");
      renderClusterDetail(c);
    };
    row.addEventListener("click", open);
    row.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        open();
      }
    });
    return row;
  });
  append(box, [head, rows]);
}

function renderClusterDetail(c) {
  const box = $("cluster-detail");
  clear(box);
  $("cluster-result").hidden = true;
  const byId = Object.fromEntries(c.documents.map((d) => [d.id, d]));
  const name = (id) => (byId[id] && byId[id].title) || id;
  const members = h("table", { class: "members" },
    h("thead", {}, h("tr", {}, ["date", "document", "outlet", "chars"].map((t) => h("th", {}, t)))),
    h("tbody", {}, c.documents.map((d) => h("tr", { class: d.id === c.origin ? "first" : "", title: d.id === c.origin ? "origin" : null },
      h("td", {}, d.date || "–"),
      h("td", {}, h("div", {}, d.title || d.id), d.title ? h("div", { class: "muted" }, d.id) : null),
      h("td", {}, d.outlet || "–"),
      h("td", { class: "num" }, (d.chars || 0).toLocaleString())))));
  const edges = c.edges.map((e) => {
    const btn = h("button", { type: "button", class: "small" }, "compare");
    btn.addEventListener("click", () => compareStored(e.source, e.copy, name, btn));
    return h("li", {}, h("span", {}, name(e.source)), h("span", { class: "arrow" }, e.directed ? " → " : " — "),
      h("span", {}, name(e.copy)), " ", verdictBadge(e.verdict), h("span", { class: "muted" }, ` ${pct(e.reuse)} reused `), btn);
  });
  append(box, h("div", { class: "cluster" },
    h("h3", {}, `Cluster #${c.id + 1}: ${c.size} documents`), members,
    edges.length ? [h("h4", {}, "Who reused whom (earlier → later)"), h("ul", { class: "edges" }, edges)] : null));
}

async function compareStored(aId, bId, name, btn) {
  const status = $("clusters-status");
  btn.disabled = true;
  setStatus(status, "comparing…", "busy");
  try {
    const get = (id) => api("GET", `/api/documents/${encodeURIComponent(id)}`);
    const [da, db] = await Promise.all([get(aId), get(bId)]);
    const asReq = (d) => ({ id: d.id, text: d.text, date: d.date, title: d.title, url: d.url, outlet: d.outlet });
    const result = await api("POST", "/api/compare?include_text=true", { a: asReq(da), b: asReq(db) });
    renderComparison($("cluster-result"), result, { a: result.documents.a.text, b: result.documents.b.text },
      { a: name(aId), b: name(bId) });
    setStatus(status, "", null);
    $("cluster-result").scrollIntoView({ block: "start", behavior: "smooth" });
  } catch (err) {
    setStatus(status, err.message, "error");
  } finally {
    btn.disabled = false;
  }
}

async function loadClusters() {
  const status = $("clusters-status");
  setStatus(status, "loading…", "busy");
  try {
    renderTimeline(await api("GET", "/api/clusters"));
    setStatus(status, "", null);
  } catch (err) {
    setStatus(status, err.message, "error");
  }
}

// ---------------------------------------------------------------- live panel (server-sent events)

const LIVE_MAX = 200;
let liveCount = 0;

function liveRole(hit) {
  if (hit.role === "source") return "reuses";
  if (hit.role === "copy") return "is reused by";
  return "shares text with";
}

function addLiveItem(ev) {
  const a = ev.article || {};
  const hits = ev.hits || [];
  const li = h("li", { class: "live-item", dataset: { seq: String(ev.seq) } },
    h("div", { class: "live-head" },
      /^https?:\/\//i.test(a.url || "")  // only web addresses become links (never javascript: from a feed)
        ? h("a", { href: a.url, rel: "noopener noreferrer", target: "_blank", class: "live-title" }, a.title || a.id)
        : h("span", { class: "live-title" }, a.title || a.id),
      h("span", { class: "muted" }, " ", [a.outlet, a.date].filter(Boolean).join(" · "))));
  if (!hits.length) append(li, h("div", { class: "muted live-none" }, "no earlier source found"));
  for (const hit of hits.slice(0, 3)) {
    const btn = h("button", { type: "button", class: "small live-compare" }, "side by side");
    btn.addEventListener("click", () => liveCompare(a.id, hit.id, btn));
    append(li, h("div", { class: "live-hit" }, verdictBadge(hit.verdict), " ", liveRole(hit), " ",
      h("span", { class: "live-source", title: hit.id }, hit.title || hit.id),
      hit.outlet ? h("span", { class: "muted" }, ` (${hit.outlet})`) : null,
      h("span", { class: "muted" }, ` ${pct(Math.max(hit.reuse ? hit.reuse.a : 0, hit.reuse ? hit.reuse.b : 0))} reused `),
      btn));
  }
  const list = $("live-list");
  list.insertBefore(li, list.firstChild);
  while (list.children.length > LIVE_MAX) list.removeChild(list.lastChild);
  liveCount += 1;
  $("live-count").textContent = ` (${liveCount})`;
}

async function liveCompare(aId, bId, btn) {
  const status = $("live-status");
  btn.disabled = true;
  try {
    const get = (id) => api("GET", `/api/documents/${encodeURIComponent(id)}`);
    const [da, db] = await Promise.all([get(aId), get(bId)]);
    const asReq = (d) => ({ id: d.id, text: d.text, date: d.date, title: d.title, url: d.url, outlet: d.outlet });
    const result = await api("POST", "/api/compare?include_text=true", { a: asReq(da), b: asReq(db) });
    renderComparison($("live-result"), result, { a: result.documents.a.text, b: result.documents.b.text },
      { a: da.title || aId, b: db.title || bId });
    $("live-result").scrollIntoView({ block: "start", behavior: "smooth" });
  } catch (err) {
    setStatus(status, err.message, "error");
  } finally {
    btn.disabled = false;
  }
}

function startLive() {
  if (!window.EventSource) {
    setStatus($("live-status"), "this browser cannot receive server-sent events", "error");
    return;
  }
  const es = new EventSource("/api/events");
  es.addEventListener("open", () => setStatus($("live-status"), "listening for new articles", "ok"));
  es.addEventListener("error", () => setStatus($("live-status"), "reconnecting…", "busy"));
  es.addEventListener("article", (msg) => {
    let ev;
    try { ev = JSON.parse(msg.data); } catch (err) { return; }
    addLiveItem(ev);
  });
}

// ---------------------------------------------------------------- wiring

function showTab(name) {
  document.querySelectorAll("[role=tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === name)));
  document.querySelectorAll(".tab").forEach((s) => (s.hidden = s.id !== `tab-${name}`));
  if (name === "clusters" && !$("timeline").firstChild) loadClusters();
}

async function loadHealth() {
  const el = $("health");
  try {
    const hlt = await api("GET", "/api/health");
    const store = hlt.store ? `store: ${hlt.store.documents ?? "?"} docs` : "no store";
    el.textContent = `${store} · ${hlt.embedder} · v${hlt.version}`;
    if (hlt.store) startLive();
    else setStatus($("live-status"), "start `retold serve STORE.db` to see new articles here", null);
    el.title = hlt.store && hlt.store.path ? hlt.store.path : "";
    if (!hlt.store) {
      for (const t of ["query", "clusters"]) $(`tabbtn-${t}`).title = "start `retold serve STORE.db` to use this";
    }
  } catch (err) {
    el.textContent = "service unreachable";
    el.className = "health error";
  }
}

function init() {
  document.querySelectorAll("[role=tab]").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  $("compare-form").addEventListener("submit", runCompare);
  $("query-form").addEventListener("submit", runQuery);
  $("swap-btn").addEventListener("click", swapInputs);
  $("clear-btn").addEventListener("click", () => {
    for (const f of ["text", "date", "title"]) for (const s of ["a", "b"]) $(`${f}-${s}`).value = "";
    $("compare-result").hidden = true;
    setStatus($("compare-status"), "", null);
  });
  $("clusters-btn").addEventListener("click", loadClusters);
  document.querySelectorAll("input[type=file]").forEach((i) => i.addEventListener("change", () => readFileInto(i)));
  // Dropping a file on a text box loads it instead of navigating away from the page.
  for (const s of ["a", "b", "q"]) {
    const ta = $(`text-${s}`);
    ta.addEventListener("dragover", (ev) => ev.preventDefault());
    ta.addEventListener("drop", (ev) => {
      const file = ev.dataTransfer && ev.dataTransfer.files[0];
      if (file) {
        ev.preventDefault();
        loadFile(file, s);
      }
    });
  }
  loadHealth();
}

document.addEventListener("DOMContentLoaded", init);
