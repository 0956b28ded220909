// The command-centre dashboard: log in, the grid map coloured by open cases, the case list and
// detail with the actions the role allows, the weekly report, and live case changes.
// Plain ES modules, no build step; everything comes from the gateway's own API.
import { ACTION, DEPARTMENTS, LEVEL, ORDER_ACTION, ORDER_STATUS, STATUS, STEP, currentLang, label, setLang, t, translatePage } from "./i18n.js";

const FINISHED = new Set(["resolved", "closed"]);
const PEOPLE = new Set(["resident", "member"]); // they see their orders, not cases

const state = {
  token: sessionStorage.getItem("gridfusion.token"),
  me: null,
  grids: [],
  cases: new Map(), // case_id -> case, for the map's colours
  page: 1,
  pageSize: 20,
  selected: null,
  feed: null,
};

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node[k] = v;
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
};

function claims(token) {
  const body = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(decodeURIComponent(escape(atob(body))));
}

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${state.token}` };
  const reply = await fetch(path, { ...options, headers });
  if (reply.status === 401) { logout(); throw new Error("401"); }
  return reply;
}

async function json(path, options) {
  const reply = await api(path, options);
  const body = await reply.json().catch(() => ({}));
  if (!reply.ok) throw Object.assign(new Error(detailText(body.detail) || reply.statusText), { status: reply.status });
  return body;
}

function detailText(detail) {
  if (Array.isArray(detail)) return detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
  return detail ? String(detail) : "";
}

function time(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(currentLang() === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai", hour12: false });
}

// --- login ---------------------------------------------------------------------------------
async function login(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const reply = await fetch("/v1/auth/token", { method: "POST", body: new URLSearchParams(form) });
  if (!reply.ok) { $("#login-error").textContent = t("login.failed"); return; }
  state.token = (await reply.json()).access_token;
  sessionStorage.setItem("gridfusion.token", state.token);
  await start();
}

function logout() {
  sessionStorage.removeItem("gridfusion.token");
  if (state.feed) state.feed.abort();
  location.reload();
}

async function start() {
  state.me = claims(state.token);
  $("#login-view").hidden = true;
  $("#nav").hidden = false;
  $("#logout").hidden = false;
  $("#who").textContent = `${state.me.sub} · ${state.me.role}`;
  const people = PEOPLE.has(state.me.role);
  document.querySelectorAll("#nav button").forEach((b) => {
    b.hidden = people ? b.dataset.view !== "orders" : b.dataset.view === "orders" && !["secretary", "worker"].includes(state.me.role);
  });
  if (people) { show("orders"); return; }
  show("cases");
  await loadGrids();
  fillFilters();
  await Promise.all([loadCounts(), loadCases()]);
  connectFeed();
}

function show(view) {
  for (const name of ["cases", "report", "orders"]) $(`#${name}-view`).hidden = name !== view;
  document.querySelectorAll("#nav button").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
  if (view === "report") prepareReport();
  if (view === "orders") loadOrders();
}

// --- map -----------------------------------------------------------------------------------
async function loadGrids() {
  const collection = await json("/v1/grids");
  state.grids = collection.features;
  drawMap();
}

function drawMap() {
  const svg = $("#map");
  const points = state.grids.flatMap((f) => f.geometry.coordinates[0]);
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const [minLon, maxLon, minLat, maxLat] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const kx = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
  const width = 600;
  const scale = width / ((maxLon - minLon) * kx);
  const height = (maxLat - minLat) * scale;
  svg.setAttribute("viewBox", `0 0 ${width} ${height.toFixed(1)}`);
  svg.innerHTML = "";
  const ns = "http://www.w3.org/2000/svg";
  for (const f of state.grids) {
    const d = f.geometry.coordinates[0]
      .map(([lon, lat], i) => `${i ? "L" : "M"}${((lon - minLon) * kx * scale).toFixed(1)},${((maxLat - lat) * scale).toFixed(1)}`)
      .join("") + "Z";
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    path.setAttribute("class", "grid c0");
    path.dataset.gridId = f.properties.grid_id;
    path.dataset.open = "0";
    const title = document.createElementNS(ns, "title");
    path.append(title);
    path.addEventListener("click", () => {
      $("#filters").grid_id.value = f.properties.grid_id;
      state.page = 1;
      loadCases();
    });
    svg.append(path);
  }
  $("#map-count").textContent = `${state.grids.length} ${t("map.grids")}`;
  colourMap();
}

function colourMap() {
  const open = new Map();
  for (const c of state.cases.values()) {
    if (!FINISHED.has(c.status)) open.set(c.grid_id, (open.get(c.grid_id) || 0) + 1);
  }
  const names = new Map(state.grids.map((f) => [f.properties.grid_id, f.properties]));
  document.querySelectorAll("#map path.grid").forEach((path) => {
    const n = open.get(path.dataset.gridId) || 0;
    const cls = n === 0 ? "c0" : n === 1 ? "c1" : n <= 3 ? "c2" : "c3";
    path.setAttribute("class", `grid ${cls}${path.dataset.gridId === $("#filters").grid_id.value ? " selected" : ""}`);
    path.dataset.open = String(n);
    const p = names.get(path.dataset.gridId);
    path.querySelector("title").textContent = `${p.name} (${p.community_name}) · ${t("map.legend")}: ${n}`;
  });
}

async function loadCounts() {
  // Every case in scope, a page of 200 at a time, to colour the map.
  state.cases.clear();
  for (let page = 1; page <= 25; page++) {
    const body = await json(`/v1/cases?page=${page}&page_size=200`);
    for (const c of body.items) state.cases.set(c.case_id, c);
    if (page * 200 >= body.total) break;
  }
  colourMap();
}

// --- case list -----------------------------------------------------------------------------
function fillFilters() {
  const form = $("#filters");
  for (const f of state.grids) form.grid_id.append(el("option", { value: f.properties.grid_id }, `${f.properties.name} ${f.properties.grid_id}`));
  for (const key of Object.keys(STATUS)) form.status.append(el("option", { value: key }, label(STATUS, key)));
  for (const key of Object.keys(DEPARTMENTS)) form.department.append(el("option", { value: key }, label(DEPARTMENTS, key)));
}

async function loadCases() {
  const form = new FormData($("#filters"));
  const query = new URLSearchParams({ page: state.page, page_size: state.pageSize });
  for (const [k, v] of form) if (v) query.set(k, v);
  const body = await json(`/v1/cases?${query}`);
  const rows = body.items.map((c) => el("tr", { "data-case-id": c.case_id, onclick: () => openCase(c.case_id) },
    el("td", {}, c.case_id), el("td", {}, gridName(c.grid_id)), el("td", {}, c.category),
    el("td", { class: `status s-${c.status}` }, label(STATUS, c.status)), el("td", {}, label(LEVEL, c.level)),
    el("td", {}, time(c.due_at))));
  $("#cases tbody").replaceChildren(...rows);
  const pages = Math.max(1, Math.ceil(body.total / state.pageSize));
  $("#page").textContent = `${state.page} / ${pages} (${body.total})`;
  $("#prev").disabled = state.page <= 1;
  $("#next").disabled = state.page >= pages;
  colourMap();
}

function gridName(gridId) {
  const f = state.grids.find((g) => g.properties.grid_id === gridId);
  return f ? f.properties.name : gridId;
}

// --- case detail and actions ---------------------------------------------------------------
async function openCase(caseId) {
  state.selected = caseId;
  const c = await json(`/v1/cases/${encodeURIComponent(caseId)}`);
  const box = $("#detail");
  box.hidden = false;
  box.dataset.caseId = c.case_id;
  box.dataset.status = c.status;
  const field = (key, value) => el("div", { class: "field" }, el("span", { class: "k" }, t(key)), el("span", { class: "v" }, value ?? "—"));
  const events = c.events.map((e) => el("li", {}, `${time(e.time)} · ${label(DEPARTMENTS, e.department)} · ${e.category} · ${e.summary}`));
  const timeline = c.timeline.map((s) => el("li", { "data-action": s.action },
    `${time(s.at)} · ${label(STEP, s.action)} · ${s.actor} · ${label(STATUS, s.to_status || "")}${s.note ? " · " + s.note : ""}`));
  box.replaceChildren(
    el("div", { class: "detail-head" }, el("h2", {}, c.case_id), el("button", { type: "button", onclick: () => { box.hidden = true; state.selected = null; } }, t("d.close"))),
    el("p", { class: `status s-${c.status}`, id: "detail-status" }, `${label(STATUS, c.status)} · ${label(LEVEL, c.level)}`),
    field("d.summary", c.summary), field("c.grid", `${gridName(c.grid_id)} ${c.grid_id}`), field("c.category", c.category),
    field("d.departments", c.departments.map((d) => label(DEPARTMENTS, d)).join("、")),
    field("d.opened", time(c.opened_at)), field("d.due", time(c.due_at)), field("d.closed", time(c.closed_at)),
    field("d.risk", c.risk_level), field("d.handed", c.handed_to ? label(DEPARTMENTS, c.handed_to) : null),
    field("d.rating", c.rating),
    el("h3", {}, t("d.events")), el("ol", { class: "events" }, ...events),
    el("h3", {}, t("d.timeline")), el("ol", { class: "timeline" }, ...timeline),
    actionForm(c),
  );
}

function actionForm(c) {
  // The gateway answers which actions this caller may take now, from fusion's closed-loop table.
  const allowed = c.allowed_actions || [];
  const form = el("form", { class: "actions", id: "actions" });
  if (!allowed.length) return form;
  const note = el("input", { name: "note", placeholder: t("d.note") });
  const department = el("select", { name: "department" }, ...Object.keys(DEPARTMENTS).map((d) => el("option", { value: d }, label(DEPARTMENTS, d))));
  const risk = el("select", { name: "risk_level" }, ...["low", "medium", "high", "critical"].map((r) => el("option", { value: r }, r)));
  const rating = el("select", { name: "rating" }, ...[5, 4, 3, 2, 1].map((r) => el("option", { value: r }, "★".repeat(r))));
  const result = el("input", { name: "result", placeholder: t("d.result") });
  const message = el("p", { class: "message", role: "status" });
  form.append(el("h3", {}, t("d.actions")), note, department, risk, rating, result,
    el("div", { class: "buttons" }, ...allowed.map((a) => el("button", {
      type: "button", "data-action": a, onclick: () => act(c.case_id, a, { note, department, risk, rating, result, message }),
    }, label(ACTION, a)))), message);
  return form;
}

async function act(caseId, action, inputs) {
  const body = { action };
  if (inputs.note.value) body.note = inputs.note.value;
  if (action === "hand_over") body.department = inputs.department.value;
  if (action === "assess") body.risk_level = inputs.risk.value;
  if (action === "feedback") body.rating = Number(inputs.rating.value);
  if (action === "report_result") body.result = inputs.result.value || inputs.note.value || "办结";
  const reply = await api(`/v1/cases/${encodeURIComponent(caseId)}/actions`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  const answer = await reply.json().catch(() => ({}));
  inputs.message.textContent = reply.ok ? `${t("a.done")}: ${label(ACTION, action)}` : `${t("a.failed")} (${reply.status}): ${detailText(answer.detail)}`;
  inputs.message.className = reply.ok ? "message ok" : "message error";
}

// --- live feed (server-sent events over fetch, so the token stays in a header) --------------
async function connectFeed() {
  const controller = new AbortController();
  state.feed = controller;
  try {
    const reply = await api("/v1/feed/cases", { signal: controller.signal, headers: { Accept: "text/event-stream" } });
    if (!reply.ok) throw new Error(String(reply.status));
    const reader = reply.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        onFeedBlock(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
      }
    }
  } catch (err) {
    if (controller.signal.aborted) return;
  }
  setLive(false);
  setTimeout(connectFeed, 3000);
}

function setLive(on) {
  const badge = $("#live");
  badge.className = `live ${on ? "on" : "off"}`;
  badge.dataset.i18n = on ? "live.on" : "live.off";
  badge.textContent = t(badge.dataset.i18n);
}

function onFeedBlock(block) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (name === "ready") { setLive(true); return; }
  if (!data.length || name === "ping") return;
  const c = JSON.parse(data.join("\n"));
  state.cases.set(c.case_id, c);
  colourMap();
  const entry = el("li", { "data-case-id": c.case_id, "data-change": name, "data-status": c.status },
    `${time(c.updated_at)} · ${t("live.case")} · ${c.case_id} · ${name} · ${label(STATUS, c.status)} · ${gridName(c.grid_id)}`);
  $("#live-log").prepend(entry);
  while ($("#live-log").children.length > 30) $("#live-log").lastChild.remove();
  const row = document.querySelector(`#cases tr[data-case-id="${c.case_id}"]`);
  if (row) {
    row.children[3].textContent = label(STATUS, c.status);
    row.children[3].className = `status s-${c.status}`;
    row.children[4].textContent = label(LEVEL, c.level);
    row.classList.add("flash");
  } else if (state.page === 1) {
    loadCases();
  }
  if (state.selected === c.case_id) openCase(c.case_id);
}

// --- service orders (居民点单 · 支部下单 · 党员接单) ------------------------------------------
async function loadOrders() {
  const role = state.me.role;
  $("#place").hidden = role !== "resident";
  $("#register").hidden = role !== "member";
  let members = [];
  if (role === "secretary") {
    members = (await json(`/v1/party-members?grid_id=${state.me.grid_id}&page_size=200`)).items;
  }
  const body = await json("/v1/service-orders?page_size=100");
  const rows = body.items.map((o) => {
    const buttons = el("td", { class: "order-actions" });
    const add = (action, extra = () => ({})) => buttons.append(el("button", {
      type: "button", "data-action": action, onclick: () => orderAction(o.order_id, action, extra()),
    }, label(ORDER_ACTION, action)));
    if (role === "secretary" && ["placed", "dispatched"].includes(o.status) && members.length) {
      const pick = el("select", { name: "member" }, ...members.map((m) => el("option", { value: m.member_id }, `${m.name} ${m.member_id}`)));
      buttons.append(pick);
      add("dispatch", () => ({ member_id: pick.value }));
    }
    if (role === "member" && o.status === "dispatched") add("take");
    if (role === "member" && o.status === "taken") {
      const hours = el("input", { type: "number", min: "0.5", max: "24", step: "0.5", value: "1", class: "hours" });
      buttons.append(hours);
      add("complete", () => ({ hours: Number(hours.value) }));
    }
    if (role === "resident" && o.status === "completed") {
      const stars = el("select", {}, ...[5, 4, 3, 2, 1].map((r) => el("option", { value: r }, "★".repeat(r))));
      buttons.append(stars);
      add("rate", () => ({ rating: Number(stars.value) }));
    }
    if ((role === "resident" || role === "secretary") && ["placed", "dispatched"].includes(o.status)) add("cancel");
    return el("tr", { "data-order-id": o.order_id }, el("td", {}, o.order_id), el("td", {}, o.title),
      el("td", {}, `${o.contact_name} ${o.contact_phone}`), el("td", { class: "status" }, label(ORDER_STATUS, o.status)),
      el("td", {}, o.member_name || o.member_id || "—"), el("td", {}, o.hours ? String(o.hours) : "—"), buttons);
  });
  $("#orders tbody").replaceChildren(...rows);
}

async function orderAction(orderId, action, extra) {
  const reply = await api(`/v1/service-orders/${encodeURIComponent(orderId)}/actions`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ action, ...extra }),
  });
  const answer = await reply.json().catch(() => ({}));
  $("#orders-message").textContent = reply.ok ? `${t("a.done")}: ${label(ORDER_ACTION, action)}` : `${t("a.failed")} (${reply.status}): ${detailText(answer.detail)}`;
  await loadOrders();
}

async function submitForm(event, path) {
  event.preventDefault();
  const body = Object.fromEntries(new FormData(event.target));
  const reply = await api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = await reply.json().catch(() => ({}));
  $("#orders-message").textContent = reply.ok ? t("a.done") : `${t("a.failed")} (${reply.status}): ${detailText(answer.detail)}`;
  if (reply.ok) event.target.reset();
  await loadOrders();
}

// --- weekly report -------------------------------------------------------------------------
function isoWeek(date = new Date()) {
  const d = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

function prepareReport() {
  const form = $("#report-form");
  if (!form.week.value) form.week.value = isoWeek();
  if (form.scope.options.length) return;
  const me = state.me;
  const props = state.grids.map((f) => f.properties);
  const options = [];
  if (me.role === "county") options.push(["county", t("scope.county")]);
  const streets = new Map(props.map((p) => [p.street_id, p.street_name]));
  const communities = new Map(props.map((p) => [p.community_id, [p.community_name, p.street_id]]));
  for (const [id, name] of streets) if (me.role === "county" || me.street_id === id && me.role === "street") options.push([`street:${id}`, name]);
  for (const [id, [name, street]] of communities) {
    if (me.role === "county" || (me.role === "street" && me.street_id === street) || (me.role === "community" && me.community_id === id)) options.push([`community:${id}`, name]);
  }
  for (const p of props) {
    const inScope = me.role === "county" || (me.role === "street" && p.street_id === me.street_id) ||
      (me.role === "community" && p.community_id === me.community_id) || p.grid_id === me.grid_id;
    if (inScope) options.push([`grid:${p.grid_id}`, `${p.name} ${p.grid_id}`]);
  }
  for (const [value, text] of options) form.scope.append(el("option", { value }, text));
}

async function showReport(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const query = new URLSearchParams();
  for (const [k, v] of form) if (v) query.set(k, v);
  const report = await json(`/v1/reports/weekly?${query}`);
  const figure = (key, value) => el("div", { class: "figure" }, el("b", {}, value ?? "—"), el("span", {}, t(key)));
  $("#report-figures").replaceChildren(
    figure("r.events", report.events_total), figure("r.opened", report.cases_opened), figure("r.closed", report.cases_closed),
    figure("r.rate", report.closure_rate == null ? "—" : `${(report.closure_rate * 100).toFixed(1)}%`),
    figure("r.overdue", report.overdue), figure("r.escalated", report.escalated), figure("r.median", report.median_close_hours),
    figure("r.orders", report.orders_completed), figure("r.patrol", report.patrol_hours));
  const html = await api(`/v1/reports/weekly.html?${query}`);
  $("#report-frame").srcdoc = await html.text();
}

// --- wiring --------------------------------------------------------------------------------
function applyLang() {
  translatePage();
  $("#lang").textContent = t("lang");
  if (state.me && PEOPLE.has(state.me.role)) loadOrders();
  else if (state.me) {
    drawMap();
    loadCases();
    if (state.selected) openCase(state.selected);
  }
  if (state.me && !$("#orders-view").hidden && !PEOPLE.has(state.me.role)) loadOrders();
}

document.addEventListener("DOMContentLoaded", () => {
  setLang(currentLang());
  applyLang();
  $("#login").addEventListener("submit", login);
  $("#logout").addEventListener("click", logout);
  $("#lang").addEventListener("click", () => { setLang(currentLang() === "zh" ? "en" : "zh"); applyLang(); });
  document.querySelectorAll("#nav button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));
  $("#filters").addEventListener("submit", (e) => { e.preventDefault(); state.page = 1; loadCases(); });
  $("#prev").addEventListener("click", () => { state.page -= 1; loadCases(); });
  $("#next").addEventListener("click", () => { state.page += 1; loadCases(); });
  $("#report-form").addEventListener("submit", showReport);
  $("#place").addEventListener("submit", (e) => submitForm(e, "/v1/service-orders"));
  $("#register").addEventListener("submit", (e) => submitForm(e, "/v1/party-members"));
  $("#print").addEventListener("click", () => $("#report-frame").contentWindow.print());
  if (state.token) {
    try { if (claims(state.token).exp * 1000 > Date.now()) { start(); return; } } catch { /* fall through */ }
    sessionStorage.removeItem("gridfusion.token");
  }
});
