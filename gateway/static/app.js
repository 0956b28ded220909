// The command-centre dashboard: sign in, the grid map coloured by open cases, the case list and
// detail with the actions the role allows, the weekly report, service orders, the party
// organisation, party members and volunteer teams, joint meetings, grid activities, the county's
// assessment with the weekly submissions and bulletins, service stations with the grids' county
// contacts, account administration, and live case changes.
// Plain ES modules, no build step; everything comes from the gateway's own API.
import {
  ACTION, AGENDA_KIND, ASSESSMENT_PART, CADRE_ROLE, CATEGORY, DECISION_STATUS, DEPARTMENTS, FOLLOW_UP, INVITEE_PARTY, LEVEL, MEETING_STATUS, MEMBER_CATEGORY,
  ACTIVITY_KIND, ACTIVITY_STATUS, NOTICE_CHANGE, NOTICE_STATUS, ORDER_ACTION, ORDER_STATUS, PARTY_LEVEL, PARTY_POST, RISK, ROLE, SATISFACTION, SERVICE_POST, SIX_HAVES, SIX_ONES, STATUS, STEP, currentLang, label, loadVocabulary, setLang, t, translatePage,
} from "./i18n.js";
import { openCollection } from "./collection.js";
import { openTasks } from "./tasks.js";
import { openWebhooks, refreshBellSoon, startBell } from "./notifications.js";
import { attachmentsSection } from "./attachments.js";

const FINISHED = new Set(["resolved", "closed", "merged"]); // a merged case lives on in another
const PEOPLE = new Set(["resident", "member"]); // they see their orders, not cases
const ADMINS = new Set(["county", "street", "community"]); // they manage accounts
const WEBHOOK_MANAGERS = new Set(["county", "street", "community", "department"]); // they subscribe systems to case events
const PARTY_READERS = new Set(["county", "street", "community", "secretary", "worker"]); // the party organisation of their area
const KEEPERS = new Set(["county", "street", "community"]); // they keep its posts and add party groups
// Joint meetings of their area: they plan them, record the minutes and close decisions.
const ORGANISERS = new Set(["county", "street", "community", "secretary", "worker"]);
const VIEWS = ["cases", "report", "orders", "party", "meetings", "members", "activities", "assessment", "stations", "tasks", "collection", "accounts", "webhooks", "password"];
// Tokens live in this tab only (sessionStorage): closing the tab forgets them.
const KEY = {
  access: "gridfusion.token", refresh: "gridfusion.refresh", expires: "gridfusion.expires", notice: "gridfusion.notice",
};
const REFRESH_AHEAD_MS = 60_000; // refresh this long before the access token expires
const RETRY_MS = 15_000; // the gateway did not answer a refresh: try again after this

const state = {
  token: sessionStorage.getItem(KEY.access),
  refreshToken: sessionStorage.getItem(KEY.refresh),
  expiresAt: Number(sessionStorage.getItem(KEY.expires)) || 0,
  refreshTimer: null,
  leaving: false, // signed out; the page is reloading
  me: null,
  view: "cases",
  forced: false, // a one-time password must be changed before anything else
  loginPassword: null, // the one-time password just typed, to prefill the forced change
  sso: null, // {name, login_url} when single sign-on is offered
  grids: [],
  cases: new Map(), // case_id -> case, for the map's colours
  page: 1,
  pageSize: 20,
  selected: null,
  feed: null,
  // `created`: the account just created, listed first even when its page is another
  accounts: { page: 1, pageSize: 20, items: [], total: 0, selected: null, created: null },
  // `collapsed`: the organisations whose children are hidden, kept across reloads of the tree
  party: { items: [], loaded: false, collapsed: new Set() },
  // `selected`: the meeting in the side panel (null: the plan form or nothing); `shown`: its answer
  meetings: { page: 1, pageSize: 20, items: [], total: 0, decisions: [], selected: null, shown: null, ready: false },
  // registered members (`items`), the county's register (`roll`), the volunteer teams, the party
  // groups by org_id (their names and grids), and a party member's own registration (`mine`)
  members: {
    page: 1, pageSize: 20, items: [], total: 0, roll: { page: 1, pageSize: 20, items: [], total: 0, byCategory: {} },
    teams: [], groups: new Map(), mine: null, ready: false,
  },
  // the quarter's activities, the one whose attendance is open (`selected`), the six ones' coverage
  activities: { page: 1, pageSize: 20, items: [], total: 0, selected: null, six: null, ready: false },
  // the week's assessment (`current`, null before the county assesses it), the weights now, the
  // week's submissions and its bulletins
  assessment: { current: null, weights: {}, submissions: null, bulletins: [], ready: false },
  // the stations, the households outside the circle (paged), and the chosen grid's contacts,
  // the notices its cadres were sent and its co-governance partners
  stations: {
    items: [], gaps: { page: 1, pageSize: 20, items: [], total: 0 }, contacts: null, notices: [], actors: [], ready: false,
  },
};

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
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

function sessionOf(token) {
  try { return claims(token).sid; } catch { return null; }
}

// --- tokens --------------------------------------------------------------------------------
// Access tokens live 15 minutes. A refresh token is used up by its refresh, and presenting a
// used one ends the session, so every change of tokens (refresh, password change) runs one at
// a time through `exclusive`, and a caller whose token was already replaced just uses the new one.
let tokenQueue = Promise.resolve();

function exclusive(task) {
  const run = tokenQueue.then(task);
  tokenQueue = run.catch(() => {});
  return run;
}

function setTokens(pair) {
  state.token = pair.access_token;
  state.refreshToken = pair.refresh_token;
  state.expiresAt = Date.now() + pair.expires_in * 1000;
  sessionStorage.setItem(KEY.access, state.token);
  sessionStorage.setItem(KEY.refresh, state.refreshToken);
  sessionStorage.setItem(KEY.expires, String(state.expiresAt));
  scheduleRefresh();
}

function clearTokens() {
  clearTimeout(state.refreshTimer);
  state.token = state.refreshToken = null;
  state.expiresAt = 0;
  for (const key of [KEY.access, KEY.refresh, KEY.expires]) sessionStorage.removeItem(key);
}

function scheduleRefresh(delay) {
  clearTimeout(state.refreshTimer);
  if (!state.refreshToken) return;
  const wait = delay ?? Math.max(5_000, state.expiresAt - Date.now() - REFRESH_AHEAD_MS);
  state.refreshTimer = setTimeout(() => refresh(state.token).catch(() => {}), wait);
}

// A newer access token than `used`: true when there is one (refreshed now or meanwhile), false
// when the session has ended (and the login screen is on its way). Throws when the gateway
// cannot be reached; the session is kept and the refresh retried.
function refresh(used) {
  return exclusive(async () => {
    if (!state.token || state.leaving) return false;
    if (state.token !== used) return true;
    if (!state.refreshToken) { signedOut(t("session.expired")); return false; }
    let reply;
    try {
      reply = await fetch("/v1/auth/refresh", {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: state.refreshToken }),
      });
    } catch (err) {
      scheduleRefresh(RETRY_MS);
      throw err;
    }
    const body = await reply.json().catch(() => ({}));
    if (reply.ok) { setTokens(body); return true; }
    if (reply.status === 401 || reply.status === 422) {
      signedOut(`${t("session.ended")} (${detailText(body.detail) || reply.status})`);
      return false;
    }
    scheduleRefresh(RETRY_MS);
    throw new Error(`refresh: ${reply.status}`);
  });
}

// Back to the login screen with `message`: forget the tokens and start the page afresh.
function signedOut(message) {
  if (state.leaving) return;
  state.leaving = true;
  if (state.feed) state.feed.abort();
  clearTokens();
  if (message) sessionStorage.setItem(KEY.notice, message);
  history.replaceState(null, "", location.pathname + location.search);
  location.reload();
}

const never = () => new Promise(() => {}); // what a request answers once the page is leaving

async function api(path, options = {}) {
  await tokenQueue; // a refresh or password change under way finishes first
  if (!state.token || state.leaving) return never();
  if (state.expiresAt - Date.now() < 30_000) await refresh(state.token).catch(() => {});
  const send = () => fetch(path, { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${state.token}` } });
  const used = state.token;
  let reply = await send();
  // Once: refresh (or take the token another request just got) and try again.
  if (reply.status === 401 && await refresh(used).catch(() => false)) reply = await send();
  if (reply.status === 401) {
    const body = await reply.json().catch(() => ({}));
    signedOut(`${t("session.ended")} (${detailText(body.detail) || 401})`);
    return never();
  }
  return reply;
}

async function json(path, options) {
  const reply = await api(path, options);
  const body = await reply.json().catch(() => ({}));
  if (!reply.ok) throw Object.assign(new Error(detailText(body.detail) || reply.statusText), { status: reply.status });
  return body;
}

// A JSON request whose refusal is shown, not thrown: {ok, status, body, text}.
async function send(path, method, body) {
  const reply = await api(path, {
    method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await reply.json().catch(() => ({}));
  return { ok: reply.ok, status: reply.status, body: answer, text: reply.ok ? "" : `${t("a.failed")} (${reply.status}): ${detailText(answer.detail) || reply.statusText}` };
}

function detailText(detail) {
  if (Array.isArray(detail)) {
    return detail.map((d) => {
      const loc = (d.loc || []).filter((part, i) => !(i === 0 && ["body", "query", "path"].includes(part)));
      return loc.length ? `${loc.join(".")}: ${d.msg}` : d.msg;
    }).join("; ");
  }
  return detail ? String(detail) : "";
}

function time(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(currentLang() === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai", hour12: false });
}

function notice(text) {
  const box = $("#notice");
  box.textContent = text;
  box.hidden = !text;
  clearTimeout(notice.timer);
  if (text) notice.timer = setTimeout(() => { box.hidden = true; }, 10_000);
}

// --- signing in and out --------------------------------------------------------------------
async function login(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const error = $("#login-error");
  error.textContent = "";
  let reply;
  try {
    reply = await fetch("/v1/auth/token", { method: "POST", body: new URLSearchParams(form) });
  } catch {
    error.textContent = t("login.offline");
    return;
  }
  const body = await reply.json().catch(() => ({}));
  if (!reply.ok) { error.textContent = loginRefusal(reply, body); return; }
  state.loginPassword = body.must_change_password ? form.get("password") : null;
  event.target.reset();
  await signedIn(body);
}

function loginRefusal(reply, body) {
  const detail = detailText(body.detail);
  if (reply.status === 401) return !detail || detail.startsWith("wrong username") ? t("login.failed") : `${t("login.refused")}: ${detail}`;
  if (reply.status === 429 || reply.status === 503) {
    const wait = reply.headers.get("Retry-After");
    return `${t("login.refused")}: ${detail}${wait ? ` (${t("login.retry").replace("{s}", wait)})` : ""}`;
  }
  return `${t("login.refused")} (${reply.status}): ${detail || reply.statusText}`;
}

async function signedIn(pair) {
  setTokens(pair);
  await start();
}

async function logout() {
  if (state.feed) state.feed.abort();
  const token = state.token;
  if (token) {
    try { await fetch("/v1/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${token}` } }); } catch { /* signed out here anyway */ }
  }
  signedOut();
}

// Single sign-on: offered when the gateway names a provider; any failure means "not offered".
async function loadProviders() {
  try {
    const reply = await fetch("/v1/auth/providers");
    if (!reply.ok) return;
    const providers = await reply.json();
    if (providers && providers.oidc && providers.oidc.login_url) {
      state.sso = providers.oidc;
      renderSso();
    }
  } catch { /* no single sign-on */ }
}

function renderSso() {
  if (!state.sso) return;
  $("#sso-login").textContent = t("login.sso").replace("{name}", state.sso.name || "SSO");
  $("#sso").hidden = false;
}

function ssoLogin() {
  const url = state.sso.login_url;
  location.assign(`${url}${url.includes("?") ? "&" : "?"}next=/dashboard/`);
}

async function ssoExchange(code) {
  const error = $("#login-error");
  try {
    const reply = await fetch("/v1/auth/oidc/exchange", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code }),
    });
    const body = await reply.json().catch(() => ({}));
    if (reply.ok) { await signedIn(body); return; }
    error.textContent = `${t("login.sso_failed")}: ${detailText(body.detail) || reply.status}`;
  } catch {
    error.textContent = t("login.offline");
  }
}

// A tab reloaded while signed in: carry on with its tokens, refreshed first if they are stale.
async function resume() {
  if (state.expiresAt - Date.now() > 30_000) {
    scheduleRefresh();
    await start();
    return;
  }
  const fresh = await refresh(state.token).catch(() => false);
  if (fresh) { await start(); return; }
  if (!state.leaving) { clearTokens(); $("#login-error").textContent = t("login.offline"); }
}

async function start() {
  const me = await json("/v1/auth/me");
  state.me = { ...me, ...me.scope, sub: me.username };
  $("#login-view").hidden = true;
  $("#logout").hidden = false;
  renderWho();
  if (me.must_change_password) {
    // Nothing else answers until the one-time password is replaced.
    state.forced = true;
    $("#nav").hidden = true;
    $("#change-password").hidden = true;
    showPasswordForm();
    return;
  }
  state.forced = false;
  state.grids = (await json("/v1/grids")).features;
  renderWho();
  $("#nav").hidden = false;
  $("#change-password").hidden = me.source === "oidc";
  const views = viewsOf(me.role);
  document.querySelectorAll("#nav button").forEach((b) => { b.hidden = !views.includes(b.dataset.view); });
  // the party-building row shows when the role has any of its views
  document.querySelectorAll("#nav .nav-row").forEach((row) => { row.hidden = !row.querySelector("button:not([hidden])"); });
  if (PEOPLE.has(me.role)) { show("orders"); return; }
  show("cases");
  drawMap();
  fillFilters();
  await Promise.all([loadCounts(), loadCases()]);
  connectFeed();
  startBell(dashboard()); // 消息提醒: cases that reached the caller or became overdue
}

function viewsOf(role) {
  if (PEOPLE.has(role)) return role === "member" ? ["orders", "members", "activities"] : ["orders", "activities"];
  const views = ["cases", "report"];
  if (role === "secretary" || role === "worker") views.push("orders");
  if (PARTY_READERS.has(role)) views.push("party");
  if (ORGANISERS.has(role)) views.push("meetings");
  if (PARTY_READERS.has(role)) views.push("members");
  if (ORGANISERS.has(role)) views.push("activities");
  if (PARTY_READERS.has(role)) views.push("assessment", "stations");
  if (PARTY_READERS.has(role)) views.push("collection"); // 信息采集: the grid proposes, the community reviews
  views.push("tasks"); // 专项任务: dispatchers send and watch them, grid staff report their items
  if (ADMINS.has(role)) views.push("accounts");
  if (WEBHOOK_MANAGERS.has(role)) views.push("webhooks");
  return views;
}

// What the notifications module (the bell, the webhook subscriptions) uses of the dashboard.
function dashboard() {
  return { json, send, el, t, label, time, me: state.me, openCase: (caseId) => { show("cases"); openCase(caseId); } };
}

function show(view) {
  if (view !== "password") state.view = view;
  for (const name of VIEWS) $(`#${name}-view`).hidden = name !== view;
  document.querySelectorAll("#nav button").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
  if (view === "report") prepareReport();
  if (view === "orders") loadOrders();
  if (view === "party") loadParty();
  if (view === "meetings") openMeetings();
  if (view === "members") openMembers();
  if (view === "activities") openActivities();
  if (view === "assessment") openAssessment();
  if (view === "stations") openStations();
  if (view === "collection") {
    openCollection({ me: state.me, json, send, el, time, gridName: (id) => gridProps(id)?.name || id });
  }
  if (view === "tasks") {
    const grids = state.me.role === "department" ? state.grids.map((f) => f.properties) : myGrids();
    openTasks({ json, send, el, t, label, time, say, me: state.me, grids });
  }
  if (view === "accounts") openAccounts();
  if (view === "webhooks") openWebhooks(dashboard());
}

// A labelled value of a detail panel.
function field(key, value) {
  return el("div", { class: "field" }, el("span", { class: "k" }, t(key)), el("span", { class: "v" }, value === "" || value == null ? "—" : value));
}

// --- who is signed in ----------------------------------------------------------------------
function gridProps(gridId) {
  const f = state.grids.find((g) => g.properties.grid_id === gridId);
  return f ? f.properties : null;
}

// The grids of the caller's area.
function myGrids() {
  const me = state.me;
  return state.grids.map((f) => f.properties).filter((p) => me.role === "county" ||
    (me.role === "street" && p.street_id === me.scope.street_id) ||
    (me.role === "community" && p.community_id === me.scope.community_id) ||
    (!ADMINS.has(me.role) && p.grid_id === me.scope.grid_id));
}

function placeText(scope) {
  if (!scope) return "";
  if (scope.grid_id) {
    const p = gridProps(scope.grid_id);
    return p ? p.name : scope.grid_id;
  }
  const props = state.grids.map((f) => f.properties);
  if (scope.community_id) {
    const p = props.find((q) => q.community_id === scope.community_id);
    return p ? p.community_name : scope.community_id;
  }
  if (scope.street_id) {
    const p = props.find((q) => q.street_id === scope.street_id);
    return p ? p.street_name : scope.street_id;
  }
  if (scope.department) return label(DEPARTMENTS, scope.department);
  return t("scope.county");
}

function renderWho() {
  const me = state.me;
  const who = $("#whoami");
  if (!me) { who.hidden = true; return; }
  who.hidden = false;
  who.dataset.username = me.username;
  who.dataset.role = me.role;
  who.dataset.gridId = me.scope.grid_id || "";
  const ids = [me.scope.grid_id, me.scope.community_id, me.scope.street_id, me.scope.department].filter(Boolean);
  who.title = [me.username, ...ids.slice(0, 1), me.last_login_at ? `${t("acc.lastlogin")} ${time(me.last_login_at)}` : ""]
    .filter(Boolean).join(" · ");
  who.replaceChildren(
    el("b", { class: "name" }, me.display_name || me.username),
    el("span", { class: "role" }, label(ROLE, me.role)),
    el("span", { class: "place" }, placeText(me.scope)),
  );
}

// --- changing one's password ---------------------------------------------------------------
function showPasswordForm() {
  const form = $("#password-form");
  form.reset();
  $("#password-error").textContent = "";
  $("#password-forced").hidden = !state.forced;
  $("#password-cancel").hidden = state.forced;
  const old = $("#password-old-label");
  old.dataset.i18n = state.forced ? "pw.old_once" : "pw.old";
  old.textContent = t(old.dataset.i18n);
  if (state.forced && state.loginPassword) form.old_password.value = state.loginPassword;
  show("password");
  (state.forced && state.loginPassword ? form.new_password : form.old_password).focus();
}

async function changePassword(event) {
  event.preventDefault();
  const form = event.target;
  const error = $("#password-error");
  error.textContent = "";
  if (form.new_password.value !== form.new_password_again.value) { error.textContent = t("pw.mismatch"); return; }
  if (state.expiresAt - Date.now() < 30_000) await refresh(state.token).catch(() => {});
  const hadFeed = Boolean(state.feed);
  // Every session of the account ends and a new one begins: no refresh may run meanwhile.
  const outcome = await exclusive(async () => {
    const reply = await fetch("/v1/auth/password", {
      method: "POST",
      headers: { "content-type": "application/json", Authorization: `Bearer ${state.token}` },
      body: JSON.stringify({ old_password: form.old_password.value, new_password: form.new_password.value }),
    });
    const body = await reply.json().catch(() => ({}));
    if (reply.ok) {
      if (state.feed) state.feed.abort();
      setTokens(body);
    }
    return { reply, body };
  }).catch(() => null);
  if (!outcome) { error.textContent = t("login.offline"); return; }
  const { reply, body } = outcome;
  if (reply.status === 401) { signedOut(`${t("session.ended")} (${detailText(body.detail)})`); return; }
  if (!reply.ok) { error.textContent = `${t("pw.refused")}: ${detailText(body.detail) || reply.status}`; return; }
  form.reset();
  state.loginPassword = null;
  if (state.forced) {
    await start();
    return;
  }
  show(state.view);
  notice(t("pw.done"));
  if (hadFeed) connectFeed();
}

// --- map -----------------------------------------------------------------------------------
// A grid's polygons (a Polygon is one; a MultiPolygon several), each its outer ring then holes.
function polygonsOf(geometry) {
  return geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates];
}

// Whatever the reference data holds — the synthetic county or a county's own irregular
// boundaries, grids in parts or with holes — fitted to `width`: the drawing's height, a
// geometry's SVG path, a point's place and a distance on the ground in the drawing's units;
// `padKm` of ground left around the features.
const KM_PER_DEGREE = 111.32; // of latitude

function projection(features, width = 600, padKm = 0) {
  const points = features.flatMap((f) => polygonsOf(f.geometry).flat(2));
  if (!points.length) return null;
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const pad = padKm / KM_PER_DEGREE;
  let [minLon, maxLon, minLat, maxLat] = [Math.min(...lons), Math.max(...lons), Math.min(...lats) - pad, Math.max(...lats) + pad];
  const kx = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
  [minLon, maxLon] = [minLon - pad / kx, maxLon + pad / kx];
  const scale = width / Math.max((maxLon - minLon) * kx, 1e-9);
  const x = (lon) => ((lon - minLon) * kx * scale).toFixed(1);
  const y = (lat) => ((maxLat - lat) * scale).toFixed(1);
  const ring = (coords) => coords.map(([lon, lat], i) => `${i ? "L" : "M"}${x(lon)},${y(lat)}`).join("") + "Z";
  return {
    width, height: Math.max((maxLat - minLat) * scale, 1), x, y,
    path: (geometry) => polygonsOf(geometry).map((rings) => rings.map(ring).join("")).join(""),
    km: (km) => (km / KM_PER_DEGREE) * scale,
  };
}

const SVG = "http://www.w3.org/2000/svg";

function svgNode(tag, attrs = {}, title = "") {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("data-")) node.dataset[k.slice(5).replace(/-(.)/g, (_, c) => c.toUpperCase())] = v;
    else node.setAttribute(k, v);
  }
  node.append(document.createElementNS(SVG, "title"));
  node.firstChild.textContent = title;
  return node;
}

// `svg` redrawn with `features` as grids (class `cls`); its projection, or null with none.
function drawGrids(svg, features, cls, padKm = 0) {
  svg.replaceChildren();
  const view = projection(features, 600, padKm);
  if (!view) return null;
  svg.setAttribute("viewBox", `0 0 ${view.width} ${view.height.toFixed(1)}`);
  for (const f of features) {
    const path = svgNode("path", { d: view.path(f.geometry), "fill-rule": "evenodd", class: cls, "data-grid-id": f.properties.grid_id },
      `${f.properties.name} (${f.properties.community_name})`);
    svg.append(path);
  }
  return view;
}

function drawMap() {
  const svg = $("#map");
  if (!drawGrids(svg, state.grids, "grid c0")) return;
  svg.querySelectorAll("path.grid").forEach((path) => {
    path.dataset.open = "0";
    path.addEventListener("click", () => {
      $("#filters").grid_id.value = path.dataset.gridId;
      state.page = 1;
      loadCases();
    });
  });
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
  // Every case in scope (up to 5,000), 200 at a time through the keyset cursor, to colour the map.
  state.cases.clear();
  let cursor = null;
  for (let n = 0; n < 25; n++) {
    const body = await json(`/v1/cases?page_size=200&count=false${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    for (const c of body.items) state.cases.set(c.case_id, c);
    cursor = body.next_cursor;
    if (!cursor) break;
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

// A paged list's query: its page, and the fields of its filter form that are filled in.
function listQuery(paging, form) {
  const query = new URLSearchParams({ page: paging.page, page_size: paging.pageSize });
  for (const [k, v] of new FormData(form)) if (v) query.set(k, v);
  return query;
}

// A paged list's pager (#<name>-page, -prev, -next) for `paging` of `total` items.
function showPager(name, paging, total) {
  const pages = Math.max(1, Math.ceil(total / paging.pageSize));
  $(`#${name}-page`).textContent = `${paging.page} / ${pages} (${total})`;
  $(`#${name}-prev`).disabled = paging.page <= 1;
  $(`#${name}-next`).disabled = paging.page >= pages;
}

// Its prev and next buttons load the page before or after.
function wirePager(name, paging, load) {
  const go = (page) => { paging.page = page; load(); };
  $(`#${name}-prev`).addEventListener("click", () => go(paging.page - 1));
  $(`#${name}-next`).addEventListener("click", () => go(paging.page + 1));
  return go;
}

// A GET's answer, its refusal said in `message` (and an earlier one cleared): null when refused.
async function fetchShown(path, message) {
  const reply = await send(path, "GET");
  say(message, reply.text, reply.ok);
  return reply.ok ? reply.body : null;
}

// A page of a paged list into `paging` (its items and total): its answer, or null when refused
// (the refusal said in `message`).
async function loadPage(paging, path, query, message) {
  const reply = await send(`${path}?${query}`, "GET");
  if (!reply.ok) { say(message, reply.text, false); return null; }
  paging.items = reply.body.items;
  paging.total = reply.body.total ?? reply.body.items.length;
  return reply.body;
}

async function loadCases() {
  const query = listQuery(state, $("#filters"));
  const body = await json(`/v1/cases?${query}`);
  const rows = body.items.map((c) => el("tr", { "data-case-id": c.case_id, onclick: () => openCase(c.case_id) },
    el("td", {}, c.case_id), el("td", {}, gridName(c.grid_id)), el("td", { title: c.category }, label(CATEGORY, c.category)),
    el("td", { class: `status s-${c.status}` }, label(STATUS, c.status)), el("td", {}, label(LEVEL, c.level)),
    el("td", {}, time(c.due_at))));
  $("#cases tbody").replaceChildren(...rows);
  const pages = Math.max(1, Math.ceil(body.total / state.pageSize));
  $("#page").textContent = `${state.page} / ${pages}${body.total_exact ? "" : "+"} (${body.total}${body.total_exact ? "" : "+"})`;
  $("#prev").disabled = state.page <= 1;
  // next_cursor says whether another page exists (a total that is only a floor would stop early).
  $("#next").disabled = !body.next_cursor;
  colourMap();
}

function gridName(gridId) {
  const f = state.grids.find((g) => g.properties.grid_id === gridId);
  return f ? f.properties.name : gridId;
}

// --- case detail and actions ---------------------------------------------------------------
// Merge and split have their own controls in the detail (possible duplicates, the events' boxes).
const REARRANGING = new Set(["merge", "split"]);

// A case id that opens that case (from another view, on the map and case list).
function caseLink(caseId) {
  return el("a", { href: "#", class: "case-link", "data-case-id": caseId, onclick: (e) => {
    e.preventDefault();
    if (state.view !== "cases") show("cases");
    openCase(caseId);
  } }, caseId);
}

function caseLinks(ids) {
  const links = (ids || []).filter(Boolean);
  if (!links.length) return null;
  return el("span", {}, ...links.flatMap((id, i) => (i ? ["、", caseLink(id)] : [caseLink(id)])));
}

const eventKey = (e) => `${e.department}:${e.event_id}`;

async function openCase(caseId) {
  state.selected = caseId;
  const c = await json(`/v1/cases/${encodeURIComponent(caseId)}`);
  // Opened again meanwhile (a live change, a click, a merge): the latest choice wins, whichever
  // answer comes last.
  if (state.selected !== caseId) return;
  const box = $("#detail");
  box.hidden = false;
  box.dataset.caseId = c.case_id;
  box.dataset.status = c.status;
  const allowed = c.allowed_actions || [];
  const splitting = allowed.includes("split") && c.events.length >= 2;
  const events = c.events.map((e) => {
    const text = `${time(e.time)} · ${label(DEPARTMENTS, e.department)} · ${e.category} · ${e.summary}`;
    if (!splitting) return el("li", { "data-event": eventKey(e) }, text);
    return el("li", { "data-event": eventKey(e) },
      el("label", {}, el("input", { type: "checkbox", name: "split", value: eventKey(e) }), ` ${text}`));
  });
  const eventList = el("ol", { class: "events" }, ...events);
  const timeline = c.timeline.map((s) => el("li", { "data-action": s.action, "data-origin": s.origin_case_id || undefined },
    `${time(s.at)} · ${label(STEP, s.action)} · ${s.actor} · ${label(STATUS, s.to_status || "")}${s.note ? " · " + s.note : ""}${s.routed_to ? " · " + s.routed_to : ""}`,
    ...(s.other_case_id ? [" · ", caseLink(s.other_case_id)] : []),
    ...(s.event_ids && s.event_ids.length ? [el("span", { class: "moved" }, ` · ${s.event_ids.join("、")}`)] : []),
    ...(s.reasons && s.reasons.length ? [el("span", { class: "reasons" }, ` · ${s.score != null ? percent(s.score) + " · " : ""}${s.reasons.join("；")}`)] : []),
    ...(s.origin_case_id ? [el("span", { class: "origin" }, ` (${t("d.from")} `, caseLink(s.origin_case_id), ")")] : [])));
  box.replaceChildren(
    el("div", { class: "detail-head" }, el("h2", {}, c.case_id), el("button", { type: "button", onclick: () => { box.hidden = true; state.selected = null; } }, t("d.close"))),
    el("p", { class: `status s-${c.status}`, id: "detail-status" }, `${label(STATUS, c.status)} · ${label(LEVEL, c.level)}`),
    c.merged_into ? el("p", { class: "notice", id: "detail-merged" }, `${t("d.merged_into")} `, caseLink(c.merged_into)) : "",
    field("d.summary", c.summary), field("c.grid", `${gridName(c.grid_id)} ${c.grid_id}`), field("c.category", `${label(CATEGORY, c.category)} ${c.category}`),
    field("d.departments", c.departments.map((d) => label(DEPARTMENTS, d)).join("、")),
    field("d.opened", time(c.opened_at)), field("d.due", time(c.due_at)), field("d.closed", time(c.closed_at)),
    field("d.risk", c.risk_level ? label(RISK, c.risk_level) : null), field("d.handed", c.handed_to ? label(DEPARTMENTS, c.handed_to) : null),
    field("d.rating", c.rating),
    field("d.satisfaction", c.satisfaction ? satisfactionLabel(c.satisfaction) : null),
    ratingLinkSection(c),
    (c.merged_from || []).length ? field("d.merged_from", caseLinks(c.merged_from)) : "",
    c.split_from ? field("d.split_from", caseLink(c.split_from)) : "",
    duplicatesSection(c),
    propertyRouteSection(c),
    attachmentsSection(c, { api, el, t, time, say, reopen: openCase }, allowed.length > 0),
    el("h3", {}, t("d.events")), eventList,
    splitting ? splitBar(c, eventList) : "",
    el("h3", {}, t("d.timeline")), el("ol", { class: "timeline" }, ...timeline),
    actionForm(c),
  );
}

// 红色物业: a property-management case of a compound goes to the compound's property company and
// owners' committee beside its branch; who they are now, with their contacts as the caller may see them.
function propertyRouteSection(c) {
  const route = c.property_route;
  if (!route) return "";
  const items = route.actors.map((a) => el("li", { "data-org-id": a.org_id },
    el("b", {}, label(INVITEE_PARTY, a.kind)), ` ${a.name}`,
    a.contact_name || a.contact_phone ? el("span", { class: "contact" }, ` · ${a.contact_name || ""} ${a.contact_phone || ""}`) : ""));
  return el("section", { class: "property-route", id: "property-route", "data-compound-id": route.compound_id },
    el("h3", {}, t("d.property_route")), el("p", {}, route.compound_name),
    items.length ? el("ul", {}, ...items) : el("p", { class: "hint" }, t("d.property_route_none")));
}

function percent(score) {
  return `${Math.round(Number(score) * 100)}%`;
}

// 疑似重复: open cases fusion holds may be the same incident, best first; one click merges this
// case into the one listed.
function duplicatesSection(c) {
  const duplicates = c.possible_duplicates || [];
  if (!duplicates.length) return "";
  const merging = (c.allowed_actions || []).includes("merge");
  const message = el("p", { class: "message", role: "status" });
  const items = duplicates.map((d) => el("li", { "data-case-id": d.case_id },
    caseLink(d.case_id), " ", el("b", { class: "score" }, percent(d.score)), " ",
    el("span", { class: "reasons" }, (d.reasons || []).join("；")),
    merging ? el("button", { type: "button", "data-action": "merge-into", onclick: (e) => mergeInto(c.case_id, d.case_id, e.target, message) },
      t("d.merge_into")) : ""));
  return el("section", { class: "duplicates", id: "duplicates" },
    el("h3", {}, t("d.duplicates")), el("ul", {}, ...items), message);
}

async function mergeInto(caseId, into, button, message) {
  if (!confirm(t("d.merge_confirm").replaceAll("{from}", caseId).replaceAll("{into}", into))) return;
  button.disabled = true;
  const reply = await send(`/v1/cases/${encodeURIComponent(caseId)}/actions`, "POST", { action: "merge", into });
  if (!reply.ok) { say(message, reply.text, false); button.disabled = false; return; }
  await openCase(into);
  loadCases();
}

// 拆分: the ticked events leave for a case of their own; at least one stays.
function splitBar(c, eventList) {
  const boxes = [...eventList.querySelectorAll("input[name=split]")];
  const message = el("p", { class: "message", role: "status" });
  const button = el("button", { type: "button", id: "split-selected", "data-action": "split", disabled: true }, t("d.split"));
  const ticked = () => boxes.filter((b) => b.checked).map((b) => b.value);
  const update = () => { const n = ticked().length; button.disabled = n < 1 || n >= boxes.length; };
  for (const b of boxes) b.addEventListener("change", update);
  button.addEventListener("click", async () => {
    const eventIds = ticked();
    if (!eventIds.length || eventIds.length >= boxes.length) return;
    button.disabled = true;
    const reply = await send(`/v1/cases/${encodeURIComponent(c.case_id)}/actions`, "POST", { action: "split", event_ids: eventIds });
    if (!reply.ok) { say(message, reply.text, false); update(); return; }
    // The answer is this case; the split's entry in its timeline names where the events went.
    const after = await json(`/v1/cases/${encodeURIComponent(c.case_id)}`).catch(() => null);
    const entry = after && [...after.timeline].reverse().find((s) => s.action === "split" && s.other_case_id && !s.origin_case_id);
    await openCase(entry ? entry.other_case_id : c.case_id);
    loadCases();
  });
  return el("div", { class: "split-bar" }, el("span", { class: "hint" }, t("d.split_hint")), button, message);
}

function actionForm(c) {
  // The gateway answers which actions this caller may take now, from fusion's closed-loop table.
  const allowed = (c.allowed_actions || []).filter((a) => !REARRANGING.has(a));
  const form = el("form", { class: "actions", id: "actions" });
  if (!allowed.length) return form;
  const note = el("input", { name: "note", placeholder: t("d.note") });
  const department = el("select", { name: "department" }, ...Object.keys(DEPARTMENTS).map((d) => el("option", { value: d }, label(DEPARTMENTS, d))));
  const risk = el("select", { name: "risk_level" }, ...Object.keys(RISK).map((r) => el("option", { value: r }, label(RISK, r))));
  const rating = el("select", { name: "rating" }, ...[5, 4, 3, 2, 1].map((r) => el("option", { value: r }, "★".repeat(r))));
  const result = el("input", { name: "result", placeholder: t("d.result") });
  const message = el("p", { class: "message", role: "status" });
  form.append(el("h3", {}, t("d.actions")), note, department, risk, rating, result,
    el("div", { class: "buttons" }, ...allowed.map((a) => el("button", {
      type: "button", "data-action": a, onclick: () => act(c.case_id, a, { note, department, risk, rating, result, message }),
    }, label(ACTION, a)))), message);
  return form;
}

// 群众满意度评价: the reporter rates a closure themselves, from a link the grid sends them (by SMS
// or WeChat); the staff who hold cases make the link here once the case is closed.
const LINK_MAKERS = new Set(["county", "street", "community", "secretary", "worker"]);
const satisfactionLabel = (code) => label(SATISFACTION, code);

function ratingLinkSection(c) {
  if (c.status !== "closed" || c.satisfaction || !LINK_MAKERS.has(state.me && state.me.role)) return "";
  const out = el("input", { readonly: true, id: "rating-link", class: "rating-link", hidden: true });
  const message = el("span", { class: "message", role: "status" });
  const make = async () => {
    const reply = await api(`/v1/cases/${encodeURIComponent(c.case_id)}/rating-link`, { method: "POST" });
    const body = await reply.json().catch(() => ({}));
    if (!reply.ok) { message.textContent = detailText(body.detail); return; }
    out.value = body.url;
    out.hidden = false;
    out.select();
    message.textContent = `${t("d.rating_link_made")} ${time(body.expires_at)}`;
  };
  return el("div", { class: "rating-link-box" },
    el("button", { type: "button", id: "make-rating-link", onclick: make }, t("d.rating_link")), out, message);
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
  if (state.feed) state.feed.abort();
  const controller = new AbortController();
  state.feed = controller;
  setLive(false);
  let ended = null;
  try {
    const reply = await api("/v1/feed/cases", { signal: controller.signal, headers: { Accept: "text/event-stream" } });
    if (!reply.ok) throw new Error(String(reply.status));
    const session = sessionOf(state.token);
    const reader = reply.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    while (!ended) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n/g, "\n");
      let cut;
      while (!ended && (cut = buffer.indexOf("\n\n")) >= 0) {
        ended = onFeedBlock(buffer.slice(0, cut), session);
        buffer = buffer.slice(cut + 2);
      }
    }
  } catch (err) {
    if (controller.signal.aborted) return;
  }
  if (controller.signal.aborted || state.feed !== controller || state.leaving) return;
  setLive(false);
  if (ended) {
    controller.abort();
    await sessionEnded(ended);
    if (state.leaving || state.feed !== controller) return;
  }
  setTimeout(() => { if (state.feed === controller && !state.leaving) connectFeed(); }, 3000);
}

// The gateway ended the session the feed was opened with. When this tab meanwhile holds a newer
// session (its own password change), carry on; otherwise back to the login screen.
async function sessionEnded({ session, reason }) {
  await tokenQueue;
  if (state.leaving || !state.token || sessionOf(state.token) !== session) return;
  signedOut(`${t("session.ended")} (${reason || "session ended"})`);
}

function setLive(on) {
  const badge = $("#live");
  badge.className = `live ${on ? "on" : "off"}`;
  badge.dataset.i18n = on ? "live.on" : "live.off";
  badge.textContent = t(badge.dataset.i18n);
}

// One event of the feed; answers {session, reason} when it says the session has ended.
function onFeedBlock(block, session) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (name === "ready") { setLive(true); return null; }
  if (name === "session_ended") {
    let reason = "";
    try { reason = JSON.parse(data.join("\n")).reason; } catch { /* no reason given */ }
    return { session, reason };
  }
  if (!data.length || name === "ping") return null;
  const c = JSON.parse(data.join("\n"));
  state.cases.set(c.case_id, c);
  colourMap();
  refreshBellSoon();
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
  return null;
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

// --- party organisation (党建引领) -----------------------------------------------------------
// 街道大工委 → 社区大党委 → 网格党支部 → 楼院党小组, as one tree of the caller's area. The county,
// the street and the community keep the posts and add party groups to a branch; the grid's own
// staff read theirs (with the phones, which everyone else sees masked).
const BIG_TREE = 80; // a tree larger than this starts with its branches collapsed
const COMMITTEE_POSTS = ["secretary", "deputy_secretary", "committee_member"];
const POSTS_OF = { street_committee: COMMITTEE_POSTS, community_committee: COMMITTEE_POSTS, branch: COMMITTEE_POSTS, party_group: ["group_leader"] };
const masked = (phone) => (phone || "").includes("*");

async function loadParty() {
  const reply = await send("/v1/party/organisations", "GET");
  if (!reply.ok) { say($("#party-message"), reply.text, false); return; }
  const party = state.party;
  party.items = reply.body.items;
  if (!party.loaded && party.items.length > BIG_TREE) {
    for (const o of party.items) if (o.level === "branch") party.collapsed.add(o.org_id);
  }
  party.loaded = true;
  renderParty();
}

function renderParty() {
  const { items } = state.party;
  const ids = new Set(items.map((o) => o.org_id));
  const children = new Map();
  const roots = [];
  for (const o of items) {
    if (!o.parent_id || !ids.has(o.parent_id)) { roots.push(o); continue; }
    if (!children.has(o.parent_id)) children.set(o.parent_id, []);
    children.get(o.parent_id).push(o);
  }
  const node = (o) => orgNode(o, (children.get(o.org_id) || []).map(node));
  const tree = roots.map(node);
  $("#party-tree").replaceChildren(...(tree.length ? tree : [el("li", { class: "hint" }, t("party.none"))]));
  $("#party-count").textContent = `${items.length} ${t("party.count")}`;
}

function orgItem(orgId) {
  return $(`#party-tree li[data-org-id="${CSS.escape(orgId)}"]`);
}

// An organisation: its row, a place for its forms and messages, and its children.
function orgNode(o, children = []) {
  const li = el("li", { class: "org", "data-org-id": o.org_id, "data-level": o.level, "data-source": o.source },
    orgRow(o), el("div", { class: "org-slot" }), el("ul", { class: "org-children" }, ...children));
  setCollapsed(li, state.party.collapsed.has(o.org_id));
  return li;
}

function setCollapsed(li, collapsed) {
  const id = li.dataset.orgId;
  if (collapsed) state.party.collapsed.add(id); else state.party.collapsed.delete(id);
  li.classList.toggle("collapsed", collapsed);
  const toggle = li.querySelector(":scope > .org-row > .toggle");
  toggle.textContent = collapsed ? "▸" : "▾";
  toggle.setAttribute("aria-expanded", String(!collapsed));
}

function collapseAll(collapsed) {
  document.querySelectorAll("#party-tree li.org").forEach((li) => {
    // the roots stay open: collapsed, they would hide the whole tree
    if (li.querySelector(":scope > .org-children > li")) setCollapsed(li, collapsed && li.parentElement.id !== "party-tree");
  });
}

function orgRow(o) {
  const toggle = el("button", { type: "button", class: "toggle", title: t("party.toggle"), onclick: (e) => {
    const li = e.target.closest("li.org");
    setCollapsed(li, !li.classList.contains("collapsed"));
  } });
  const posts = o.posts.length
    ? el("ul", { class: "posts" }, ...o.posts.map((p) => el("li", { "data-post": p.post },
      el("span", { class: "post" }, label(PARTY_POST, p.post)), el("span", { class: "holder" }, p.name),
      p.phone ? el("span", { class: "phone" }, p.phone) : "")))
    : el("span", { class: "posts vacant" }, t("party.vacant"));
  const changed = o.updated_by ? `${t("party.updated")} ${o.updated_by} · ${time(o.updated_at)}` : undefined;
  const actions = [];
  if (KEEPERS.has(state.me.role)) {
    actions.push(el("button", { type: "button", "data-action": "edit-posts", onclick: () => openSlot(o.org_id, postsForm) }, t("party.edit")));
    if (o.level === "branch") {
      actions.push(el("button", { type: "button", "data-action": "add-group", onclick: () => openSlot(o.org_id, groupForm) }, t("party.add_group")));
    }
  }
  return el("div", { class: "org-row" },
    toggle,
    el("span", { class: `tag level ${o.level}` }, label(PARTY_LEVEL, o.level)),
    el("b", { class: "org-name" }, o.name),
    o.level === "branch" ? el("span", { class: "members" }, t("party.members").replace("{n}", o.party_members)) : "",
    el("span", { class: `tag ${o.source}`, title: changed }, t(`source.${o.source}`)),
    posts,
    actions.length ? el("span", { class: "org-actions" }, ...actions) : "");
}

// The organisation's form (or the outcome of the last one) under its row.
function openSlot(orgId, form) {
  const o = state.party.items.find((x) => x.org_id === orgId);
  const li = orgItem(orgId);
  const slot = li.querySelector(":scope > .org-slot");
  const close = () => slot.replaceChildren();
  slot.replaceChildren(form(o, li, close));
  slot.querySelector("input")?.focus();
}

function tellUnder(li, text) {
  say(li.querySelector(":scope > .org-slot").appendChild(el("p", { role: "status" })), text, true);
}

function postsForm(o, li, close) {
  const allowed = POSTS_OF[o.level] || COMMITTEE_POSTS;
  const rows = el("div", { class: "post-rows" });
  const message = el("p", { class: "message", role: "status" });
  const hint = el("p", { class: "hint" }, t("party.masked"));
  const addRow = (p) => {
    const held = [...rows.querySelectorAll("select[name=post]")].map((s) => s.value);
    const post = p ? p.post : allowed.find((k) => k === "secretary" && !held.includes(k)) || allowed.at(-1);
    const select = el("select", { name: "post" }, ...[...new Set([...allowed, post])]
      .map((k) => el("option", { value: k, selected: k === post }, label(PARTY_POST, k))));
    const row = el("div", { class: "post-row", "data-member-id": p && p.member_id ? p.member_id : undefined, "data-name": p ? p.name : undefined },
      select,
      el("input", { name: "name", value: p ? p.name : "", required: true, maxLength: 50, placeholder: t("party.name"), autocomplete: "off" }),
      // a masked number sent back as shown keeps the number held; a new one replaces it
      el("input", { name: "phone", type: "tel", value: p ? p.phone : "", maxLength: 20,
        placeholder: t("party.phone"), autocomplete: "off" }),
      el("button", { type: "button", class: "secondary", "data-action": "remove-row", onclick: () => { row.remove(); hint.hidden = !hasMasked(); } },
        t("party.remove_row")));
    rows.append(row);
  };
  const hasMasked = () => [...rows.querySelectorAll("input[name=phone]")].some((i) => masked(i.value));
  o.posts.forEach(addRow);
  if (!o.posts.length) addRow();
  hint.hidden = !hasMasked();
  const save = el("button", { type: "submit" }, t("party.save"));
  const form = el("form", { class: "posts-form", "data-org-id": o.org_id },
    el("div", { class: "post-head" }, el("span", {}, t("party.post")), el("span", {}, t("party.name")), el("span", {}, t("party.phone"))),
    rows, hint,
    el("div", { class: "buttons" },
      el("button", { type: "button", class: "secondary", "data-action": "add-row", onclick: () => { addRow(); rows.lastChild.querySelector("input").focus(); } },
        t("party.add_row")),
      save,
      el("button", { type: "button", class: "secondary", "data-action": "cancel", onclick: close }, t("party.cancel"))),
    message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const posts = [...rows.querySelectorAll(".post-row")].map((row) => {
      const p = { post: row.querySelector("[name=post]").value, name: row.querySelector("[name=name]").value.trim() };
      const phone = row.querySelector("[name=phone]").value.trim();
      if (phone) p.phone = phone;
      // the member's id stays with the member: a new name is someone else
      if (row.dataset.memberId && p.name === row.dataset.name) p.member_id = row.dataset.memberId;
      return p;
    });
    save.disabled = true;
    const reply = await send(`/v1/party/organisations/${encodeURIComponent(o.org_id)}/posts`, "PUT", { posts });
    save.disabled = false;
    if (!reply.ok) { say(message, reply.text, false); return; }
    replaceOrg(reply.body);
    tellUnder(orgItem(o.org_id), `${t("party.saved")}: ${reply.body.name}`);
  });
  return form;
}

// The gateway's answer in place of the organisation (its children stay).
function replaceOrg(o) {
  const party = state.party;
  party.items = party.items.map((x) => (x.org_id === o.org_id ? o : x));
  const li = orgItem(o.org_id);
  li.dataset.source = o.source;
  li.querySelector(":scope > .org-row").replaceWith(orgRow(o));
  li.querySelector(":scope > .org-slot").replaceChildren();
  setCollapsed(li, party.collapsed.has(o.org_id));
}

function groupForm(branch, li, close) {
  const name = el("input", { name: "name", required: true, maxLength: 100, placeholder: t("party.group_placeholder"), autocomplete: "off" });
  const message = el("p", { class: "message", role: "status" });
  const add = el("button", { type: "submit" }, t("party.group_submit"));
  const form = el("form", { class: "group-form", "data-org-id": branch.org_id },
    el("label", {}, el("span", {}, t("party.group_name")), name), add,
    el("button", { type: "button", class: "secondary", "data-action": "cancel", onclick: close }, t("party.cancel")),
    message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    add.disabled = true;
    const reply = await send("/v1/party/organisations", "POST", { parent_id: branch.org_id, name: name.value.trim() });
    add.disabled = false;
    if (!reply.ok) { say(message, reply.text, false); return; }
    const group = reply.body;
    state.party.items.push(group); // after its branch: parents still come before their children
    const item = orgNode(group);
    item.classList.add("flash");
    li.querySelector(":scope > .org-children").append(item);
    setCollapsed(li, false);
    close();
    tellUnder(li, `${t("party.group_added")}: ${group.name}`);
    $("#party-count").textContent = `${state.party.items.length} ${t("party.count")}`;
  });
  return form;
}

// --- joint meetings (联席会议) ----------------------------------------------------------------
// A grid's meeting of its branch with the street, the community and its co-governance actors:
// planned with open cases and residents' orders on the agenda, held when its minutes are recorded.
// A decision has an owner and a due date; one about a case may take a step of the closed loop on
// it, whose outcome (applied, or the loop's refusal) stays with the decision. Open decisions come
// back on the grid's next agenda, or are closed between meetings.
const MEETING_ACTIONS = ["accept", "resolve_on_site", "escalate", "hand_over"];
const INVITED_PLACE = { street: "street_id", community: "community_id", branch: "grid_id" };
const COUNTY_HOURS = 8; // the county's time, Asia/Shanghai (UTC+8, no daylight saving)

// `days` from today at `hour`, in the county's time, as a datetime-local input holds it.
function countyInput(days, hour) {
  const day = new Date(Date.now() + (COUNTY_HOURS * 3600 + days * 86400) * 1000).toISOString().slice(0, 10);
  return `${day}T${String(hour).padStart(2, "0")}:00`;
}

// A datetime-local value, read in the county's time, as ISO 8601 with its offset.
function countyTime(value) {
  return `${value.length === 16 ? `${value}:00` : value}+${String(COUNTY_HOURS).padStart(2, "0")}:00`;
}

const enc = encodeURIComponent;

function openMeetings() {
  const m = state.meetings;
  if (!m.ready) {
    const select = $("#meetings-filter").grid_id;
    for (const p of myGrids()) select.append(el("option", { value: p.grid_id }, `${p.name} ${p.grid_id}`));
    m.ready = true;
  }
  loadMeetings();
  loadDecisions();
}

async function loadMeetings() {
  const m = state.meetings;
  const reply = await send(`/v1/meetings?${listQuery(m, $("#meetings-filter"))}`, "GET");
  say($("#meetings-message"), reply.text, reply.ok);
  if (!reply.ok) return;
  m.items = reply.body.items;
  m.total = reply.body.total;
  renderMeetings();
}

function renderMeetings() {
  const m = state.meetings;
  const rows = m.items.map((x) => {
    const overdue = x.decisions.filter((d) => d.overdue).length;
    return el("tr", {
      "data-meeting-id": x.meeting_id, "data-status": x.status, class: x.meeting_id === m.selected ? "selected" : undefined,
      onclick: () => openMeeting(x.meeting_id),
    },
    el("td", {}, x.title, el("small", {}, x.meeting_id)), el("td", {}, gridName(x.grid_id)), el("td", {}, time(x.starts_at)),
    el("td", {}, el("span", { class: `tag ${x.status}` }, label(MEETING_STATUS, x.status))),
    el("td", {}, String(x.agenda.length)),
    el("td", {}, String(x.decisions.length), overdue ? el("span", { class: "tag off" }, `${t("mtg.overdue")} ${overdue}`) : ""));
  });
  if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 6, class: "hint" }, t("mtg.none"))));
  $("#meetings tbody").replaceChildren(...rows);
  $("#meetings-count").textContent = `${m.total} ${t("mtg.count")}`;
  showPager("meetings", m, m.total);
}

async function loadDecisions() {
  const query = new URLSearchParams();
  const grid = $("#meetings-filter").grid_id.value;
  if (grid) query.set("grid_id", grid);
  if ($("#decisions-overdue").checked) query.set("overdue", "true");
  const reply = await send(`/v1/meetings/decisions?${query}`, "GET");
  if (!reply.ok) { say($("#decisions-message"), reply.text, false); return; }
  state.meetings.decisions = reply.body.items;
  renderDecisions();
}

function renderDecisions() {
  const items = state.meetings.decisions;
  const rows = items.map((d) => el("tr", { "data-ref": d.ref, class: d.overdue ? "overdue" : undefined },
    el("td", {}, d.text, " ", ...decisionTags(d)), el("td", {}, d.owner), el("td", { class: "due" }, time(d.due_at)),
    el("td", {}, meetingLink(d.meeting_id), el("small", {}, gridName(d.grid_id))),
    el("td", {}, d.case_id ? caseLink(d.case_id) : "—"),
    el("td", { class: "close-cell" }, ...closeControls(d))));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 6, class: "hint" }, t("mtg.no_decisions"))));
  $("#decisions tbody").replaceChildren(...rows);
  $("#decisions-count").textContent = String(items.length);
}

function redrawMeetings() {
  renderMeetings();
  renderDecisions();
  const m = state.meetings;
  if (m.shown && m.shown.meeting_id === m.selected) renderMeeting(m.shown);
}

function meetingLink(meetingId) {
  return el("a", { href: "#", class: "meeting-link", "data-meeting-id": meetingId,
    onclick: (e) => { e.preventDefault(); e.stopPropagation(); openMeeting(meetingId); } }, meetingId);
}

// The step a decision took on its case and what became of it; its state once closed; overdue.
function decisionTags(d) {
  const tags = [];
  if (d.action) {
    const to = d.department ? ` → ${label(DEPARTMENTS, d.department)}` : "";
    tags.push(el("span", { class: "tag step" }, `${label(ACTION, d.action)}${to}`));
  }
  if (d.outcome === "applied") tags.push(el("span", { class: "tag on outcome", "data-outcome": "applied" }, t("mtg.applied")));
  else if (d.outcome) {
    const why = d.outcome.replace(/^refused:\s*/, "");
    tags.push(el("span", { class: "tag off outcome", "data-outcome": "refused", title: why }, `${t("mtg.refused")}: ${why}`));
  }
  if (d.status !== "open") tags.push(el("span", { class: `tag ${d.status}` }, label(DECISION_STATUS, d.status)));
  if (d.overdue) tags.push(el("span", { class: "tag off overdue-tag" }, t("mtg.overdue")));
  return tags;
}

// 办结 / 撤销 an open decision between meetings, with a note.
function closeControls(d) {
  if (d.status !== "open") return [];
  const note = el("input", { name: "note", class: "note", maxLength: 4000, placeholder: t("mtg.note") });
  const message = el("span", { class: "message", role: "status" });
  const close = (status) => el("button", { type: "button", "data-action": `close-${status}`, class: status === "done" ? "" : "secondary",
    onclick: async (e) => {
      e.stopPropagation();
      e.target.disabled = true;
      const reply = await send(`/v1/meetings/${enc(d.meeting_id)}/decisions/${enc(d.decision_id)}/close`, "POST",
        { status, note: note.value.trim() });
      e.target.disabled = false;
      if (!reply.ok) { say(message, reply.text, false); return; }
      say($("#decisions-message"), `${t("mtg.closed")}: ${d.text} · ${label(DECISION_STATUS, status)}`, true);
      loadDecisions();
      loadMeetings();
      if (state.meetings.selected === d.meeting_id) openMeeting(d.meeting_id);
    } }, t(`mtg.close_${status}`));
  return [note, close("done"), close("dropped"), message];
}

async function openMeeting(meetingId) {
  state.meetings.selected = meetingId;
  const reply = await send(`/v1/meetings/${enc(meetingId)}`, "GET");
  if (state.meetings.selected !== meetingId) return; // another chosen meanwhile
  if (!reply.ok) { say($("#meetings-message"), reply.text, false); return; }
  renderMeeting(reply.body);
}

function closeMeeting() {
  state.meetings.selected = null;
  state.meetings.shown = null;
  document.querySelectorAll("#meetings tr.selected").forEach((r) => r.classList.remove("selected"));
  const side = $("#meeting-side");
  delete side.dataset.meetingId;
  side.replaceChildren(el("p", { class: "hint" }, t("mtg.pick")));
}

// An invitee by name: the street, community and branch by their places' names.
function inviteeName(i) {
  return INVITED_PLACE[i.party] ? placeText({ [INVITED_PLACE[i.party]]: i.name }) : i.name;
}

function inviteeList(m) {
  const groups = new Map();
  for (const i of m.invitees) {
    if (!groups.has(i.party)) groups.set(i.party, []);
    groups.get(i.party).push(inviteeName(i));
  }
  return el("ul", { class: "invitees" }, ...[...groups].map(([party, names]) => el("li", { "data-party": party },
    el("span", { class: "k" }, label(INVITEE_PARTY, party)), el("span", {}, names.join("、")))));
}

function renderMeeting(m, told = "") {
  const meetings = state.meetings;
  meetings.selected = m.meeting_id;
  meetings.shown = m;
  document.querySelectorAll("#meetings tbody tr").forEach((r) => r.classList.toggle("selected", r.dataset.meetingId === m.meeting_id));
  const agenda = m.agenda.map((a) => el("li", { "data-kind": a.kind, "data-ref": a.ref || undefined },
    el("span", { class: `tag kind ${a.kind}` }, label(AGENDA_KIND, a.kind)), " ", a.title,
    a.ref ? el("small", {}, " ", a.kind === "case" ? caseLink(a.ref) : a.ref) : ""));
  const side = $("#meeting-side");
  side.dataset.meetingId = m.meeting_id;
  side.dataset.status = m.status;
  side.replaceChildren(
    el("div", { class: "detail-head" }, el("h2", {}, m.title),
      el("button", { type: "button", class: "secondary", "data-action": "close-meeting", onclick: closeMeeting }, t("d.close"))),
    el("p", {}, el("span", { class: `tag ${m.status}` }, label(MEETING_STATUS, m.status)), " ", el("small", {}, m.meeting_id)),
    told ? el("p", { class: "message ok", role: "status" }, told) : "",
    field("c.grid", `${gridName(m.grid_id)} ${m.grid_id}`), field("mtg.when", time(m.starts_at)), field("mtg.place", m.place),
    field("mtg.convened", m.convened_by), m.held_at ? field("mtg.held", `${time(m.held_at)} · ${m.recorded_by}`) : "",
    el("h3", {}, t("mtg.invitees")), inviteeList(m),
    el("h3", {}, t("mtg.agenda")), agenda.length ? el("ol", { class: "agenda" }, ...agenda) : el("p", { class: "hint" }, "—"),
    m.status === "held" ? heldPart(m) : minutesForm(m));
}

// A held meeting: its minutes, who came, its decisions and what became of them.
function heldPart(m) {
  const decisions = m.decisions.map((d) => {
    const closed = d.status === "open" ? "" : el("div", { class: "hint" },
      `${t("mtg.closed_by")} ${d.closed_by || "—"} · ${time(d.closed_at)}${d.closing_note ? ` · ${d.closing_note}` : ""}`);
    const followed = d.followed_up_in.length
      ? el("div", { class: "hint" }, `${t("mtg.followed_up")} `, ...d.followed_up_in.flatMap((id, i) => (i ? ["、", meetingLink(id)] : [meetingLink(id)])))
      : "";
    return el("li", { "data-decision-id": d.decision_id, "data-status": d.status, class: d.overdue ? "overdue" : undefined },
      el("div", {}, el("b", {}, d.text), " ", ...decisionTags(d)),
      el("div", { class: "hint" }, `${t("mtg.owner")} ${d.owner} · ${t("mtg.due")} ${time(d.due_at)}`,
        ...(d.case_id ? [" · ", caseLink(d.case_id)] : [])),
      closed, followed,
      d.status === "open" ? el("div", { class: "close-controls" }, ...closeControls(d)) : "");
  });
  return el("div", { class: "record" },
    el("h3", {}, t("mtg.minutes")), el("p", { class: "minutes" }, m.minutes),
    field("mtg.attendees", m.attendees.join("、")),
    el("h3", {}, t("mtg.decisions")),
    decisions.length ? el("ol", { class: "decisions" }, ...decisions) : el("p", { class: "hint" }, "—"));
}

// One decision being recorded: what, who, by when, and for a case the loop's step to take.
function decisionRow(cases) {
  const caseId = el("select", { name: "case_id", hidden: !cases.length },
    el("option", { value: "" }, t("mtg.no_case")), ...cases.map((a) => el("option", { value: a.ref }, `${a.ref} ${a.title}`.slice(0, 60))));
  const action = el("select", { name: "action", disabled: true, hidden: !cases.length },
    el("option", { value: "" }, t("mtg.no_action")), ...MEETING_ACTIONS.map((a) => el("option", { value: a }, label(ACTION, a))));
  const department = el("select", { name: "department", hidden: true },
    ...Object.keys(DEPARTMENTS).map((d) => el("option", { value: d }, label(DEPARTMENTS, d))));
  const sync = () => {
    action.disabled = !caseId.value;
    if (!caseId.value) action.value = "";
    department.hidden = action.value !== "hand_over";
  };
  caseId.addEventListener("change", sync);
  action.addEventListener("change", sync);
  const row = el("div", { class: "decision-row" },
    el("input", { name: "text", required: true, maxLength: 4000, placeholder: t("mtg.decision_text"), autocomplete: "off" }),
    el("input", { name: "owner", required: true, maxLength: 200, placeholder: t("mtg.owner"), autocomplete: "off" }),
    el("label", {}, el("span", {}, t("mtg.due")), el("input", { name: "due_at", type: "datetime-local", required: true, value: countyInput(7, 18) })),
    caseId, action, department,
    el("button", { type: "button", class: "secondary", "data-action": "remove-decision", onclick: () => row.remove() }, t("mtg.remove")));
  return row;
}

function readDecision(row) {
  const value = (name) => row.querySelector(`[name=${name}]`).value.trim();
  const d = { text: value("text"), owner: value("owner"), due_at: countyTime(value("due_at")) };
  if (value("case_id")) d.case_id = value("case_id");
  if (d.case_id && value("action")) d.action = value("action");
  if (d.action === "hand_over") d.department = value("department");
  return d;
}

// 记录会议纪要: recording the minutes holds the meeting.
function minutesForm(m) {
  const message = el("p", { class: "message", role: "status" });
  const minutes = el("textarea", { name: "minutes", required: true, maxLength: 4000, rows: 4 });
  const present = m.invitees.map((i) => el("input", { type: "checkbox", name: "attendee", value: inviteeName(i) }));
  const others = el("input", { name: "others", maxLength: 2000, autocomplete: "off" });
  const cases = m.agenda.filter((a) => a.kind === "case");
  const rows = el("div", { class: "decision-rows" });
  const followUps = m.agenda.filter((a) => a.kind === "follow_up").map((a) => el("div", { class: "follow-up", "data-ref": a.ref },
    el("span", {}, a.title, el("small", {}, a.ref)),
    el("select", { name: "status" }, ...Object.keys(FOLLOW_UP).map((k) => el("option", { value: k }, label(FOLLOW_UP, k)))),
    el("input", { name: "note", maxLength: 4000, placeholder: t("mtg.note"), autocomplete: "off" })));
  const save = el("button", { type: "submit" }, t("mtg.record_submit"));
  const form = el("form", { class: "minutes-form", "data-meeting-id": m.meeting_id },
    el("h3", {}, t("mtg.record")), el("p", { class: "hint" }, t("mtg.record_hint")),
    el("label", {}, el("span", {}, t("mtg.minutes")), minutes),
    el("fieldset", { class: "attendees" }, el("legend", {}, t("mtg.attendees")),
      ...present.map((box, n) => el("label", { class: "check" }, box, ` ${label(INVITEE_PARTY, m.invitees[n].party)} · ${box.value}`)),
      el("label", { class: "others" }, el("span", {}, t("mtg.attendees_other")), others)),
    el("fieldset", { class: "decisions" }, el("legend", {}, t("mtg.decisions")), rows,
      el("button", { type: "button", class: "secondary", "data-action": "add-decision", onclick: () => rows.append(decisionRow(cases)) },
        t("mtg.add_decision"))),
    followUps.length ? el("fieldset", { class: "follow-ups" }, el("legend", {}, t("mtg.followup")), ...followUps) : "",
    el("div", { class: "buttons" }, save), message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const attendees = [...present.filter((b) => b.checked).map((b) => b.value),
      ...others.value.split(/[、,，;；]/).map((x) => x.trim()).filter(Boolean)];
    const body = {
      minutes: minutes.value.trim(), attendees, decisions: [...rows.querySelectorAll(".decision-row")].map(readDecision),
      follow_ups: followUps.map((f) => ({ ref: f.dataset.ref, status: f.querySelector("select").value, note: f.querySelector("input").value.trim() })),
    };
    save.disabled = true;
    const reply = await send(`/v1/meetings/${enc(m.meeting_id)}/minutes`, "POST", body);
    save.disabled = false;
    if (!reply.ok) { say(message, reply.text, false); return; }
    renderMeeting(reply.body, t("mtg.recorded"));
    loadMeetings();
    loadDecisions();
  });
  return form;
}

// 安排会议: the grid, when and where, and what it takes up.
function planForm() {
  closeMeeting();
  const grids = myGrids();
  const chosen = $("#meetings-filter").grid_id.value;
  const grid = el("select", { name: "grid_id", required: true },
    ...grids.map((p) => el("option", { value: p.grid_id, selected: p.grid_id === chosen }, `${p.name} ${p.grid_id}`)));
  const title = el("input", { name: "title", required: true, maxLength: 200, placeholder: t("mtg.name_placeholder"), autocomplete: "off" });
  const starts = el("input", { name: "starts_at", type: "datetime-local", required: true, value: countyInput(1, 15) });
  const place = el("input", { name: "place", maxLength: 200, placeholder: t("mtg.place_placeholder"), autocomplete: "off" });
  const suggestions = el("div", { class: "suggestions" });
  const topics = el("div", { class: "topics" });
  const addTopic = () => {
    const row = el("div", { class: "topic-row" },
      el("input", { name: "topic", maxLength: 200, placeholder: t("mtg.topic_placeholder"), autocomplete: "off" }),
      el("button", { type: "button", class: "secondary", "data-action": "remove-topic", onclick: () => row.remove() }, t("mtg.remove")));
    topics.append(row);
    return row;
  };
  const message = el("p", { class: "message", role: "status" });
  const suggest = async () => {
    const gridId = grid.value;
    suggestions.replaceChildren();
    if (!gridId) return;
    const reply = await send(`/v1/meetings/agenda-suggestions?grid_id=${enc(gridId)}`, "GET");
    if (grid.value !== gridId) return;
    if (!reply.ok) { suggestions.replaceChildren(el("p", { class: "message error" }, reply.text)); return; }
    const items = reply.body.items.map((s) => el("label", { class: "check", "data-kind": s.kind, "data-ref": s.ref },
      el("input", { type: "checkbox", name: "suggestion", "data-kind": s.kind, "data-ref": s.ref }), " ",
      el("span", { class: `tag kind ${s.kind}` }, label(AGENDA_KIND, s.kind)), ` ${s.title} `, el("small", {}, s.ref)));
    suggestions.replaceChildren(...(items.length ? items : [el("p", { class: "hint" }, t("mtg.no_suggestions"))]));
  };
  grid.addEventListener("change", suggest);
  const save = el("button", { type: "submit" }, t("mtg.submit"));
  const form = el("form", { class: "plan-form stack", id: "meeting-form" },
    el("div", { class: "detail-head" }, el("h2", {}, t("mtg.new")),
      el("button", { type: "button", class: "secondary", "data-action": "cancel", onclick: closeMeeting }, t("mtg.cancel"))),
    el("label", {}, el("span", {}, t("c.grid")), grid),
    el("label", {}, el("span", {}, t("mtg.name")), title),
    el("label", {}, el("span", {}, t("mtg.when")), starts),
    el("label", {}, el("span", {}, t("mtg.place")), place),
    el("fieldset", {}, el("legend", {}, t("mtg.suggestions")), suggestions),
    el("fieldset", {}, el("legend", {}, t("mtg.topic")), topics,
      el("button", { type: "button", class: "secondary", "data-action": "add-topic", onclick: () => addTopic().querySelector("input").focus() },
        t("mtg.add_topic"))),
    el("p", { class: "hint" }, t("mtg.followups_note")),
    save, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const agenda = [...suggestions.querySelectorAll("input:checked")].map((b) => ({ kind: b.dataset.kind, ref: b.dataset.ref }));
    for (const input of topics.querySelectorAll("input[name=topic]")) {
      if (input.value.trim()) agenda.push({ kind: "topic", title: input.value.trim() });
    }
    const body = { grid_id: grid.value, title: title.value.trim(), starts_at: countyTime(starts.value), place: place.value.trim(), agenda };
    save.disabled = true;
    const reply = await send("/v1/meetings", "POST", body);
    save.disabled = false;
    if (!reply.ok) { say(message, reply.text, false); return; }
    renderMeeting(reply.body, t("mtg.planned_done"));
    state.meetings.page = 1;
    loadMeetings();
  });
  $("#meeting-side").replaceChildren(form);
  title.focus();
  suggest();
}

// --- party members (在职党员到网格报到 · 设岗定责) and volunteer teams ---------------------------
// The staff of an area read its registered members — their service post, party group, volunteer
// teams and hours — beside the county's register of members as people; they set a member's post
// and group. The county, a street or a community forms volunteer teams (宁阳先锋); a party member
// reads its own registration and joins or leaves the teams of its grid.
const TEAM_FORMERS = new Set(["county", "street", "community"]);
const GRID_ROLES = new Set(["secretary", "worker"]); // the grid's own staff: names and phones in full

function openMembers() {
  const m = state.members;
  const member = state.me.role === "member";
  $("#members-card").hidden = member;
  $("#members-view .members-layout").classList.toggle("person", member);
  $("#my-registration").hidden = !member;
  $("#members-masked").hidden = GRID_ROLES.has(state.me.role);
  $("#team-form").hidden = !TEAM_FORMERS.has(state.me.role);
  if (!m.ready) {
    const grids = myGrids();
    const filter = $("#members-filter").grid_id;
    for (const p of grids) filter.append(el("option", { value: p.grid_id }, `${p.name} ${p.grid_id}`));
    // one grid: its own staff, who see names and phones
    if (grids.length === 1) filter.value = grids[0].grid_id;
    for (const p of grids) $("#team-form").grid_id.append(el("option", { value: p.grid_id }, `${p.name} ${p.grid_id}`));
    fillCategories();
    m.ready = true;
  }
  $("#team-form").name.placeholder = t("team.name_placeholder");
  if (member) { loadMine(); return; }
  loadGroups().then(() => Promise.all([loadTeams(), loadRoll()])).then(loadMembers);
}

function fillCategories() {
  const select = $("#roll-filter").category;
  const keep = select.value;
  select.replaceChildren(el("option", { value: "", "data-i18n": "f.all" }, t("f.all")),
    ...Object.keys(MEMBER_CATEGORY).map((c) => el("option", { value: c }, label(MEMBER_CATEGORY, c))));
  select.value = keep;
}

// The party groups of the caller's area, by org_id: their names label the members' groups.
async function loadGroups() {
  const reply = await send("/v1/party/organisations", "GET");
  if (!reply.ok) { say($("#members-message"), reply.text, false); return; }
  state.members.groups = new Map(reply.body.items.filter((o) => o.level === "party_group").map((o) => [o.org_id, o]));
}

function groupName(groupId) {
  if (!groupId) return "";
  const g = state.members.groups.get(groupId);
  return g ? g.name : groupId;
}

function teamName(teamId) {
  const team = state.members.teams.find((x) => x.team_id === teamId);
  return team ? team.name : teamId;
}

async function loadMembers() {
  const m = state.members;
  if (await loadPage(m, "/v1/party-members", listQuery(m, $("#members-filter")), $("#members-message"))) renderMembers();
}

async function loadRoll() {
  const roll = state.members.roll;
  const query = listQuery(roll, $("#roll-filter"));
  const grid = $("#members-filter").grid_id.value;
  if (grid) query.set("grid_id", grid);
  const reply = await send(`/v1/party-members/register?${query}`, "GET");
  say($("#roll-message"), reply.text, reply.ok);
  if (!reply.ok) return;
  roll.items = reply.body.items;
  roll.total = reply.body.total;
  roll.byCategory = reply.body.by_category;
  renderRoll();
}

function renderMembersView() {
  fillCategories();
  if (state.me.role === "member") { renderMine(); renderTeams(); return; }
  renderMembers();
  renderRoll();
  renderTeams();
}

// A select of `table`'s codes with a first option for none.
function codeSelect(name, table, value, none) {
  return el("select", { name }, el("option", { value: "" }, t(none)),
    ...Object.keys(table).map((k) => el("option", { value: k, selected: k === value }, label(table, k))));
}

function renderMembers() {
  const m = state.members;
  const rows = m.items.map((x) => {
    const groups = [...m.groups.values()].filter((g) => g.grid_id === x.grid_id);
    const post = codeSelect("service_post", SERVICE_POST, x.service_post, "mem.no_post");
    const group = el("select", { name: "group_id" }, el("option", { value: "" }, t("mem.no_group")),
      ...groups.map((g) => el("option", { value: g.org_id, selected: g.org_id === x.group_id }, g.name)));
    const message = el("span", { class: "message", role: "status" });
    const save = el("button", { type: "button", "data-action": "save-member", onclick: () => saveMember(x, post, group, save, message) },
      t("mem.save"));
    return el("tr", { "data-member-id": x.member_id, "data-service-post": x.service_post || "" },
      el("td", {}, x.name, el("small", {}, x.member_id)), el("td", {}, x.phone), el("td", {}, gridName(x.grid_id)),
      el("td", {}, label(MEMBER_CATEGORY, x.category)), el("td", { class: "post" }, post), el("td", { class: "group" }, group),
      el("td", {}, (x.volunteer_teams || []).map(teamName).join("、") || "—"),
      el("td", { class: "num" }, String(x.service_hours)), el("td", { class: "num" }, String(x.activity_hours)),
      el("td", { class: "save-cell" }, save, message));
  });
  if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 10, class: "hint" }, t("mem.none"))));
  $("#members tbody").replaceChildren(...rows);
  $("#members-count").textContent = `${m.total} ${t("mem.count")}`;
  showPager("members", m, m.total);
}

// 设岗定责 and the party group: only what changed is sent.
async function saveMember(x, post, group, button, message) {
  const change = {};
  if (post.value !== (x.service_post || "")) change.service_post = post.value;
  if (group.value !== (x.group_id || "")) change.group_id = group.value;
  if (!Object.keys(change).length) { say(message, t("mem.saved"), true); return; }
  button.disabled = true;
  const reply = await send(`/v1/party-members/${enc(x.member_id)}`, "PATCH", change);
  button.disabled = false;
  if (!reply.ok) { say(message, reply.text, false); return; }
  Object.assign(x, reply.body);
  say(message, t("mem.saved"), true);
  const row = $(`#members tr[data-member-id="${CSS.escape(x.member_id)}"]`);
  row.dataset.servicePost = x.service_post || "";
  row.classList.add("flash");
}

function renderRoll() {
  const roll = state.members.roll;
  const rows = roll.items.map((e) => el("tr", { "data-member-id": e.member_id, "data-category": e.category },
    el("td", {}, e.member_id), el("td", {}, e.name), el("td", {}, e.phone), el("td", {}, gridName(e.grid_id)),
    el("td", {}, label(MEMBER_CATEGORY, e.category)), el("td", {}, groupName(e.group_id) || "—"),
    el("td", {}, e.registered_as || el("span", { class: "hint" }, t("mem.not_registered")))));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 7, class: "hint" }, t("mem.register_none"))));
  $("#roll tbody").replaceChildren(...rows);
  showPager("roll", roll, roll.total);
  const figure = (value, text, code) => el("div", { class: "figure", "data-category": code }, el("b", {}, String(value ?? 0)), el("span", {}, text));
  const total = Object.values(roll.byCategory).reduce((a, b) => a + b, 0);
  $("#members-figures").replaceChildren(figure(total, t("mem.total"), ""),
    ...Object.keys(MEMBER_CATEGORY).map((c) => figure(roll.byCategory[c], label(MEMBER_CATEGORY, c), c)));
}

// A party member: its registration, or the way to register.
async function loadMine() {
  const reply = await send("/v1/party-members/me", "GET");
  state.members.mine = reply.ok ? reply.body : null;
  renderMine(reply.ok ? "" : reply.text);
  await loadTeams();
}

function renderMine(refusal = "") {
  const box = $("#my-registration");
  const me = state.members.mine;
  if (!me) {
    box.replaceChildren(el("h2", {}, t("mem.mine")), el("p", { class: "notice" }, t("mem.unregistered"), " ",
      el("button", { type: "button", "data-action": "go-register", onclick: () => show("orders") }, t("mem.go_register"))),
    el("p", { class: "hint" }, refusal));
    return;
  }
  box.replaceChildren(el("h2", {}, t("mem.mine")),
    field("mem.name", me.name), field("mem.phone", me.phone), field("mem.workplace", me.workplace),
    field("c.grid", gridName(me.grid_id)), field("mem.category", label(MEMBER_CATEGORY, me.category)),
    field("mem.post", me.service_post ? label(SERVICE_POST, me.service_post) : t("mem.no_post")),
    field("mem.group", me.group_id), field("mem.number", me.register_id),
    field("mem.service_hours", me.service_hours), field("mem.activity_hours", me.activity_hours),
    field("mem.orders", me.orders_completed), field("mem.registered_at", time(me.registered_at)));
}

// Each read of the teams, and each join or leave, takes a number: an answer older than the latest
// is dropped, so a list read before a join cannot undo what the join showed.
let teamsAsked = 0;

async function loadTeams() {
  const asked = ++teamsAsked;
  const reply = await send("/v1/volunteer-teams", "GET");
  if (asked !== teamsAsked) return;
  if (!reply.ok) { say($("#teams-message"), reply.text, false); return; }
  state.members.teams = reply.body.items;
  renderTeams();
}

function teamArea(team) {
  return team.grid_id || team.community_id || team.street_id ? placeText(team) : t("scope.county");
}

function renderTeams() {
  const member = state.me.role === "member";
  const items = state.members.teams.map((team) => {
    const joined = team.members.includes(state.me.username);
    const action = joined ? "leave" : "join";
    return el("li", { "data-team-id": team.team_id, "data-joined": String(joined) },
      el("div", {}, el("b", {}, team.name), " ", el("span", { class: "tag" }, teamArea(team)),
        " ", el("span", { class: "hint" }, t("team.members").replace("{n}", team.member_count)),
        joined ? el("span", { class: "tag on" }, t("team.joined")) : ""),
      team.description ? el("div", { class: "hint" }, team.description) : "",
      !member && team.members.length ? el("div", { class: "team-members" }, team.members.join("、")) : "",
      member ? el("button", { type: "button", class: joined ? "secondary" : "", "data-action": action,
        onclick: (e) => joinTeam(team, action, e.target) }, t(`team.${action}`)) : "");
  });
  $("#teams").replaceChildren(...(items.length ? items : [el("li", { class: "hint" }, t("team.none"))]));
}

async function joinTeam(team, action, button) {
  teamsAsked++;
  button.disabled = true;
  const reply = await send(`/v1/volunteer-teams/${enc(team.team_id)}/${action}`, "POST");
  button.disabled = false;
  if (!reply.ok) { say($("#teams-message"), reply.text, false); return; }
  state.members.teams = state.members.teams.map((x) => (x.team_id === team.team_id ? reply.body : x));
  renderTeams();
  say($("#teams-message"), `${t(action === "join" ? "team.joined_done" : "team.left_done")}: ${team.name}`, true);
  if (state.members.mine) loadMine();
}

// 组建服务队: for the caller's whole area, or a grid of it.
async function formTeam(event) {
  event.preventDefault();
  const form = event.target;
  const message = form.querySelector(".message");
  const body = { name: form.name.value.trim(), description: form.description.value.trim() };
  if (form.grid_id.value) body.grid_id = form.grid_id.value;
  const reply = await send("/v1/volunteer-teams", "POST", body);
  if (!reply.ok) { say(message, reply.text, false); return; }
  form.reset();
  say(message, `${t("team.formed")}: ${reply.body.name}`, true);
  await loadTeams();
}

// --- grid activities (六个一) -----------------------------------------------------------------
// Every grid holds the six ones each quarter — a consultation, a health check, a safety lesson, a
// legal lecture, a clean-up, a cultural event — besides dedication and volunteer days. The grid's
// staff, its community, street and the county plan them and record who came, which holds them;
// party members and residents sign up for their grid's. The quarter's coverage is a table of grids
// by the six kinds.
const PARTICIPANTS = new Set(["member", "resident"]);

// The quarter of `date` in the county's time, as YYYY-Qn.
function countyQuarter(date = new Date()) {
  const county = new Date(date.getTime() + COUNTY_HOURS * 3600 * 1000);
  return `${county.getUTCFullYear()}-Q${Math.floor(county.getUTCMonth() / 3) + 1}`;
}

function openActivities() {
  const a = state.activities;
  const staff = ORGANISERS.has(state.me.role);
  const filter = $("#activities-filter");
  if (!a.ready) {
    filter.quarter.value = countyQuarter();
    for (const p of myGrids()) filter.grid_id.append(el("option", { value: p.grid_id }, `${p.name} ${p.grid_id}`));
    for (const k of Object.keys(ACTIVITY_KIND)) filter.kind.append(el("option", { value: k }, label(ACTIVITY_KIND, k)));
    a.ready = true;
  }
  filter.querySelector(".staff-only").hidden = !staff;
  $("#activity-new").hidden = !staff;
  $("#six-ones-part").hidden = !staff;
  $("#activity-side").hidden = !staff;
  if (staff && !a.selected) closeActivity();
  loadActivities();
  if (staff) loadSixOnes();
}

async function loadActivities() {
  const a = state.activities;
  if (await loadPage(a, "/v1/activities", listQuery(a, $("#activities-filter")), $("#activities-message"))) renderActivities();
}

function renderActivities() {
  const a = state.activities;
  const rows = a.items.map((x) => el("tr", {
    "data-activity-id": x.activity_id, "data-status": x.status, "data-kind": x.kind,
    class: x.activity_id === a.selected ? "selected" : undefined,
  },
  el("td", {}, x.title, el("small", {}, `${x.activity_id}${x.place ? ` · ${x.place}` : ""}`)), el("td", {}, gridName(x.grid_id)),
  el("td", {}, el("span", { class: `tag kind ${SIX_ONES.includes(x.kind) ? "six" : ""}` }, label(ACTIVITY_KIND, x.kind))),
  el("td", {}, time(x.starts_at)), el("td", { class: "num" }, String(x.hours)),
  el("td", {}, el("span", { class: `tag ${x.status}` }, label(ACTIVITY_STATUS, x.status))),
  el("td", {}, `${x.signed_up_count} / ${x.attended_count}`),
  el("td", { class: "activity-actions" }, ...activityControls(x))));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 8, class: "hint" }, t("act.none"))));
  $("#activities tbody").replaceChildren(...rows);
  $("#activities-count").textContent = `${a.total} ${t("act.count")}`;
  showPager("activities", a, a.total);
}

// A member or resident signs up for a planned one; the staff record who came.
function activityControls(x) {
  const me = state.me.username;
  if (PARTICIPANTS.has(state.me.role)) {
    if (x.attended.includes(me)) return [el("span", { class: "tag on" }, t("act.attended"))];
    if (x.signed_up.includes(me)) return [el("span", { class: "tag on" }, t("act.signed_up"))];
    if (x.status !== "planned") return [];
    return [el("button", { type: "button", "data-action": "sign-up", onclick: (e) => signUp(x, e.target) }, t("act.sign_up"))];
  }
  return [el("button", { type: "button", class: "secondary", "data-action": "record",
    onclick: () => attendanceForm(x) }, t("act.record"))];
}

async function signUp(x, button) {
  button.disabled = true;
  const reply = await send(`/v1/activities/${enc(x.activity_id)}/sign-up`, "POST");
  if (!reply.ok) { button.disabled = false; say($("#activities-message"), reply.text, false); return; }
  say($("#activities-message"), `${t("act.signed_done")}: ${x.title}`, true);
  loadActivities();
}

function closeActivity() {
  state.activities.selected = null;
  document.querySelectorAll("#activities tr.selected").forEach((r) => r.classList.remove("selected"));
  $("#activity-side").replaceChildren(el("p", { class: "hint" }, t("act.pick")));
}

function activityHead(key, told = "") {
  return [el("div", { class: "detail-head" }, el("h2", {}, t(key)),
    el("button", { type: "button", class: "secondary", "data-action": "cancel", onclick: closeActivity }, t("mtg.cancel"))),
  told ? el("p", { class: "message ok", role: "status" }, told) : ""];
}

// 记录出席: those signed up ticked or not, others by account; saving holds the activity.
function attendanceForm(x, told = "") {
  state.activities.selected = x.activity_id;
  document.querySelectorAll("#activities tbody tr").forEach((r) => r.classList.toggle("selected", r.dataset.activityId === x.activity_id));
  const people = [...new Set([...x.signed_up, ...x.attended])];
  const boxes = people.map((u) => el("input", { type: "checkbox", name: "attended", value: u, checked: x.attended.includes(u) }));
  const others = el("input", { name: "others", maxLength: 4000, autocomplete: "off" });
  const message = el("p", { class: "message", role: "status" });
  const save = el("button", { type: "submit" }, t("act.record_submit"));
  const form = el("form", { class: "stack attendance-form", "data-activity-id": x.activity_id },
    ...activityHead("act.record", told),
    el("p", {}, el("b", {}, x.title), " ", el("span", { class: `tag ${x.status}` }, label(ACTIVITY_STATUS, x.status))),
    field("c.grid", gridName(x.grid_id)), field("act.kind", label(ACTIVITY_KIND, x.kind)), field("act.when", time(x.starts_at)),
    field("act.place", x.place), field("act.planned_by", x.planned_by), x.held_at ? field("act.held", time(x.held_at)) : "",
    el("p", { class: "hint" }, t("act.record_hint")),
    el("fieldset", { class: "attendees" }, el("legend", {}, t("act.people_list")),
      ...(boxes.length ? boxes.map((box) => el("label", { class: "check" }, box, ` ${box.value}`)) : [el("p", { class: "hint" }, t("act.no_signups"))])),
    el("label", {}, el("span", {}, t("act.others")), others), save, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const attended = [...new Set([...boxes.filter((b) => b.checked).map((b) => b.value),
      ...others.value.split(/[、,，;；\s]+/).map((u) => u.trim()).filter(Boolean)])];
    save.disabled = true;
    const reply = await send(`/v1/activities/${enc(x.activity_id)}/attendance`, "POST", { attended });
    save.disabled = false;
    if (!reply.ok) { say(message, reply.text, false); return; }
    attendanceForm(reply.body, t("act.recorded"));
    loadActivities();
    loadSixOnes();
  });
  $("#activity-side").replaceChildren(form);
}

// 安排活动: a grid of the caller's area, one of the kinds, when, how long and where.
function activityPlanForm() {
  closeActivity();
  const chosen = $("#activities-filter").grid_id.value;
  const grid = el("select", { name: "grid_id", required: true },
    ...myGrids().map((p) => el("option", { value: p.grid_id, selected: p.grid_id === chosen }, `${p.name} ${p.grid_id}`)));
  const kind = el("select", { name: "kind" }, ...Object.keys(ACTIVITY_KIND).map((k) => el("option", { value: k }, label(ACTIVITY_KIND, k))));
  const title = el("input", { name: "title", required: true, maxLength: 200, placeholder: t("act.name_placeholder"), autocomplete: "off" });
  const starts = el("input", { name: "starts_at", type: "datetime-local", required: true, value: countyInput(1, 9) });
  const hours = el("input", { name: "hours", type: "number", min: "0.5", max: "24", step: "0.5", value: "2", required: true });
  const place = el("input", { name: "place", maxLength: 200, placeholder: t("act.place_placeholder"), autocomplete: "off" });
  const message = el("p", { class: "message", role: "status" });
  const save = el("button", { type: "submit" }, t("act.submit"));
  const form = el("form", { class: "stack", id: "activity-form" }, ...activityHead("act.new"),
    el("label", {}, el("span", {}, t("c.grid")), grid), el("label", {}, el("span", {}, t("act.kind")), kind),
    el("label", {}, el("span", {}, t("act.name")), title), el("label", {}, el("span", {}, t("act.when")), starts),
    el("label", {}, el("span", {}, t("act.hours")), hours), el("label", {}, el("span", {}, t("act.place")), place),
    save, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { grid_id: grid.value, kind: kind.value, title: title.value.trim(), starts_at: countyTime(starts.value),
      hours: Number(hours.value), place: place.value.trim() };
    save.disabled = true;
    const reply = await send("/v1/activities", "POST", body);
    save.disabled = false;
    if (!reply.ok) { say(message, reply.text, false); return; }
    attendanceForm(reply.body, t("act.planned_done"));
    loadActivities();
  });
  $("#activity-side").replaceChildren(form);
  title.focus();
}

// The quarter's six ones: a row for each grid, a column for each kind.
async function loadSixOnes() {
  const filter = $("#activities-filter");
  const query = new URLSearchParams({ quarter: filter.quarter.value });
  if (filter.grid_id.value) query.set("grid_id", filter.grid_id.value);
  const reply = await send(`/v1/activities/six-ones?${query}`, "GET");
  say($("#six-ones-message"), reply.text, reply.ok);
  if (!reply.ok) return;
  state.activities.six = reply.body;
  renderSixOnes();
}

function renderSixOnes() {
  const six = state.activities.six;
  if (!six) return;
  $("#six-ones thead").replaceChildren(el("tr", {}, el("th", {}, t("c.grid")), ...SIX_ONES.map((k) => el("th", {}, label(ACTIVITY_KIND, k)))));
  $("#six-ones tbody").replaceChildren(...six.grids.map((g) => el("tr", { "data-grid-id": g.grid_id, class: g.missing.length ? undefined : "complete" },
    el("td", {}, gridName(g.grid_id)),
    ...SIX_ONES.map((k) => {
      const held = g.held.includes(k);
      return el("td", { "data-kind": k, class: held ? "held" : "missing", title: t(held ? "act.held_mark" : "act.missing_mark") }, held ? "✓" : "—");
    }))));
  $("#six-ones-complete").textContent = t("act.complete").replace("{n}", six.complete);
}

function redrawActivities() {
  renderActivities();
  renderSixOnes();
  const a = state.activities;
  const shown = a.items.find((x) => x.activity_id === a.selected);
  if (shown) attendanceForm(shown); else if (ORGANISERS.has(state.me.role) && !$("#activity-form")) closeActivity();
}

// --- the county's assessment (考核) and the weekly reports (一周一报) --------------------------
// Every grid's week scored out of 100 from its components, each a share of the week, with the
// county's weights; ranked county-wide, each area reading its own grids. The county assesses a
// week. Beside it the week's reports: a grid's secretary submits its week (the figures filled in
// by the gateway), its community and street see who has not; a street issues its bulletin (通报).
const STREET_ISSUERS = new Set(["street", "county"]);

function openAssessment() {
  const a = state.assessment;
  const role = state.me.role;
  const filter = $("#assessment-filter");
  if (!a.ready) {
    filter.week.value = isoWeek();
    const streets = new Map(myGrids().map((p) => [p.street_id, p.street_name]));
    for (const [id, name] of streets) $("#bulletin-form").street_id.append(el("option", { value: id }, name));
    a.ready = true;
  }
  $("#assess-week").hidden = role !== "county";
  $("#submission-form").hidden = role !== "secretary";
  $("#submission-form").text.placeholder = t("wk.placeholder");
  $("#bulletin-form").hidden = !STREET_ISSUERS.has(role);
  $("#bulletin-form .county-only").hidden = role !== "county";
  loadWeek();
}

// Everything of the week in the filter: its assessment, the weights, its reports and bulletins.
function loadWeek() {
  loadAssessment();
  loadSubmissions();
  loadBulletins();
}

const weekQuery = () => new URLSearchParams({ week: $("#assessment-filter").week.value });

async function loadAssessment() {
  const a = state.assessment;
  const [weights, listed] = await Promise.all([send("/v1/assessments/weights", "GET"), send(`/v1/assessments?${weekQuery()}`, "GET")]);
  const refused = [weights, listed].find((r) => !r.ok);
  say($("#assessment-message"), refused ? refused.text : "", !refused);
  if (weights.ok) a.weights = weights.body.weights;
  if (listed.ok) a.current = listed.body.items[0] || null;
  renderAssessment();
}

// 考核该周: the county scores every grid of the week and the ranking shows at once.
async function assessWeek(event) {
  const button = event.target;
  button.disabled = true;
  const reply = await send("/v1/assessments", "POST", { week: $("#assessment-filter").week.value });
  button.disabled = false;
  if (!reply.ok) { say($("#assessment-message"), reply.text, false); return; }
  say($("#assessment-message"), `${t("as.done")}: ${reply.body.week}`, true);
  state.assessment.current = reply.body;
  renderAssessment();
}

function renderAssessment() {
  const { current, weights } = state.assessment;
  const known = Object.keys(current ? current.weights : weights);
  const parts = [...Object.keys(ASSESSMENT_PART).filter((k) => known.includes(k)), ...known.filter((k) => !(k in ASSESSMENT_PART))];
  const used = current ? current.weights : Object.fromEntries(parts.map((k) => [k, weights[k].weight]));
  $("#assessment thead").replaceChildren(el("tr", {},
    el("th", {}, t("as.rank")), el("th", {}, t("c.grid")), el("th", {}, t("as.community")), el("th", { class: "num" }, t("as.score")),
    ...parts.map((k) => el("th", { "data-part": k, title: weights[k] ? weights[k].meaning : "" },
      label(ASSESSMENT_PART, k), el("small", {}, String(used[k]))))));
  const grids = current ? [...current.grids].sort((x, y) => x.rank - y.rank) : [];
  const rows = grids.map((g) => el("tr", { "data-grid-id": g.grid_id, "data-rank": g.rank },
    el("td", { class: "num rank" }, String(g.rank)), el("td", {}, g.name || gridName(g.grid_id)),
    el("td", {}, placeText({ community_id: g.community_id })), el("td", { class: "num score" }, g.score.toFixed(1)),
    ...parts.map((k) => {
      const share = g.components[k] ?? 0;
      return el("td", { class: "part", "data-part": k, title: `${label(ASSESSMENT_PART, k)} ${percent(share)}` },
        el("meter", { min: 0, max: 1, low: 0.5, high: 0.8, optimum: 1, value: share }), el("span", {}, percent(share)));
    })));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: parts.length + 4, class: "hint" }, t("as.none"))));
  $("#assessment tbody").replaceChildren(...rows);
  $("#assessment-count").textContent = current ? `${grids.length} ${t("as.count")}` : "";
  $("#assessment-meta").textContent = current ? t("as.meta").replace("{week}", current.week).replace("{by}", current.assessed_by)
    .replace("{at}", time(current.assessed_at)).replace("{n}", current.revision) : "";
  $("#assessment-weights").replaceChildren(...Object.entries(weights).map(([k, w]) => el("li", { "data-part": k },
    el("b", {}, String(w.weight)), " ", el("span", { class: "tag" }, label(ASSESSMENT_PART, k)), " ", el("span", { class: "hint" }, w.meaning))),
  el("li", { class: "hint" }, t("as.weights_now")));
}

async function loadSubmissions() {
  const body = await fetchShown(`/v1/reports/weekly/submissions?${weekQuery()}`, $("#submissions-message"));
  if (!body) return;
  state.assessment.submissions = body;
  renderSubmissions();
}

// A submission: its grid, who and when, the secretary's text and the figures it was sent with.
const SUBMITTED_FIGURES = { events: "r.events", cases_closed: "r.closed", overdue: "r.overdue", patrol_hours: "r.patrol", orders_completed: "r.orders" };

function renderSubmissions() {
  const week = state.assessment.submissions;
  if (!week) return;
  const items = week.items.map((x) => el("li", { "data-grid-id": x.grid_id },
    el("div", {}, el("b", {}, gridName(x.grid_id)), " ", el("span", { class: "tag on" }, t("wk.revision").replace("{n}", x.revision)),
      el("span", { class: "hint" }, ` ${x.submitted_by} · ${time(x.submitted_at)}`)),
    el("p", { class: "minutes" }, x.text),
    el("div", { class: "hint" }, Object.entries(SUBMITTED_FIGURES).filter(([k]) => k in x.figures)
      .map(([k, key]) => `${t(key)} ${x.figures[k]}`).join(" · "))));
  $("#submissions").replaceChildren(...(items.length ? items : [el("li", { class: "hint" }, t("wk.none"))]));
  $("#submissions-count").textContent = t("wk.count").replace("{n}", week.submitted).replace("{of}", week.grids);
  $("#submissions-missing").replaceChildren(week.missing.length
    ? el("p", {}, el("span", { class: "k" }, `${t("wk.missing")}: `), ...week.missing.map((id) => el("span", { class: "tag off", "data-grid-id": id }, gridName(id))))
    : el("p", { class: "hint" }, t("wk.all_in")));
}

// 提交本周报告: the grid's secretary, for the week in the filter.
async function submitWeek(event) {
  event.preventDefault();
  const form = event.target;
  const message = form.querySelector(".message");
  const reply = await send("/v1/reports/weekly/submissions", "POST", { week: $("#assessment-filter").week.value, text: form.text.value.trim() });
  if (!reply.ok) { say(message, reply.text, false); return; }
  say(message, `${t("wk.submitted")}: ${reply.body.week}`, true);
  form.text.value = "";
  loadSubmissions();
}

async function loadBulletins() {
  const body = await fetchShown(`/v1/bulletins?${weekQuery()}`, $("#bulletins-message"));
  if (!body) return;
  state.assessment.bulletins = body.items;
  renderBulletins();
}

function renderBulletins() {
  const items = state.assessment.bulletins.map((b) => el("article", { class: "bulletin", "data-street-id": b.street_id },
    el("h3", {}, `${placeText({ street_id: b.street_id })} · ${b.week}`),
    el("p", { class: "hint" }, t("bul.meta").replace("{by}", b.issued_by).replace("{at}", time(b.issued_at))),
    b.text ? el("p", { class: "minutes" }, b.text) : "",
    el("ol", { class: "ranking" }, ...b.ranking.map((r) => el("li", { "data-grid-id": r.grid_id, value: r.rank },
      `${r.name || gridName(r.grid_id)} · ${r.score.toFixed(1)}`))),
    b.not_submitted.length
      ? el("p", { class: "not-submitted" }, `${t("bul.not_submitted")}: `, ...b.not_submitted.map((id) => el("span", { class: "tag off", "data-grid-id": id }, gridName(id))))
      : el("p", { class: "hint" }, t("bul.all_submitted"))));
  $("#bulletins").replaceChildren(...(items.length ? items : [el("p", { class: "hint" }, t("bul.none"))]));
}

// 发布通报: a street its own; the county names the street.
async function issueBulletin(event) {
  event.preventDefault();
  const form = event.target;
  const message = form.querySelector(".message");
  const body = { week: $("#assessment-filter").week.value, text: form.text.value.trim() };
  if (state.me.role === "county") body.street_id = form.street_id.value;
  const reply = await send("/v1/bulletins", "POST", body);
  if (!reply.ok) { say(message, reply.text, false); return; }
  say(message, `${t("bul.issued")}: ${placeText({ street_id: reply.body.street_id })} ${reply.body.week}`, true);
  form.text.value = "";
  loadBulletins();
}

function renderAssessmentView() {
  $("#submission-form").text.placeholder = t("wk.placeholder");
  renderAssessment();
  renderSubmissions();
  renderBulletins();
}

// --- service stations (党群服务站 · 一公里服务圈) and a grid's county contacts ------------------
// One grid, one station: each station's six haves (六有), ticked by the community, the street or
// the county; the stations on the map with how far one walks to them, and the households of the
// area farther than the circle. Beside it a grid's contacts from the county: its 包管 cadres and
// paired agencies (assigned by the street or the county), what the cadres were told of the grid's
// overdue cases, and its co-governance partners.
const ASSIGNERS = new Set(["county", "street"]);

function openStations() {
  const s = state.stations;
  if (!s.ready) {
    const grids = myGrids();
    const select = $("#contacts-filter").grid_id;
    for (const p of grids) select.append(el("option", { value: p.grid_id }, `${p.name} ${p.grid_id}`));
    s.ready = true;
  }
  $("#stations-hint").hidden = !KEEPERS.has(state.me.role);
  loadStations();
  loadGaps();
  loadContacts();
}

async function loadStations() {
  const body = await fetchShown("/v1/stations", $("#stations-message"));
  if (!body) return;
  state.stations.items = body.items;
  renderStations();
}

async function loadGaps() {
  const gaps = state.stations.gaps;
  const query = new URLSearchParams({ page: gaps.page, page_size: gaps.pageSize });
  const body = await loadPage(gaps, "/v1/service-circle/gaps", query, $("#gaps-message"));
  if (!body) return;
  Object.assign(gaps, { households: body.households, coverage: body.coverage, circleKm: body.circle_km, detour: body.detour });
  renderGaps();
  renderStationFigures();
  drawStations();
}

function renderStations() {
  const keeper = KEEPERS.has(state.me.role);
  const { items } = state.stations;
  $("#stations thead").replaceChildren(el("tr", {}, el("th", {}, t("st.station")), el("th", {}, t("c.grid")),
    ...Object.keys(SIX_HAVES).map((k) => el("th", { class: "have" }, label(SIX_HAVES, k))), el("th", {}, t("st.state"))));
  const rows = items.map((x) => el("tr", {
    "data-station-id": x.station_id, "data-grid-id": x.grid_id, "data-complete": String(x.complete),
    class: x.grid_id === $("#contacts-filter").grid_id.value ? "selected" : undefined, onclick: () => chooseGrid(x.grid_id),
  },
  el("td", {}, x.name, el("small", {}, x.updated_by ? `${t("party.updated")} ${x.updated_by} · ${time(x.updated_at)}` : x.station_id)),
  el("td", {}, gridName(x.grid_id)),
  ...Object.keys(SIX_HAVES).map((k) => el("td", { class: "have", "data-item": k },
    el("input", { type: "checkbox", name: k, checked: Boolean(x.checklist[k]), disabled: !keeper, title: label(SIX_HAVES, k),
      onclick: (e) => e.stopPropagation(), onchange: (e) => tickStation(x, k, e.target) }))),
  el("td", { class: "state" }, el("span", { class: `tag ${x.complete ? "on" : "warn"}` }, t(x.complete ? "st.complete" : "st.incomplete")),
    el("span", { class: "message", role: "status" }))));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 9, class: "hint" }, t("st.none"))));
  $("#stations tbody").replaceChildren(...rows);
  $("#stations-count").textContent = `${items.length} ${t("st.count")}`;
  renderStationFigures();
  drawStations();
}

// One item ticked or not: saved at once, the station's row and dot redrawn from the answer.
async function tickStation(x, item, box) {
  box.disabled = true;
  const reply = await send(`/v1/stations/${enc(x.station_id)}/checklist`, "PUT", { [item]: box.checked });
  if (!reply.ok) {
    box.checked = !box.checked;
    box.disabled = false;
    say(box.closest("tr").querySelector("td.state .message"), reply.text, false);
    return;
  }
  state.stations.items = state.stations.items.map((s) => (s.station_id === x.station_id ? reply.body : s));
  renderStations();
  const row = $(`#stations tr[data-station-id="${CSS.escape(x.station_id)}"]`);
  row.classList.add("flash");
  say(row.querySelector("td.state .message"), `${t("st.saved")}: ${label(SIX_HAVES, item)}`, true);
}

function renderStationFigures() {
  const { items, gaps } = state.stations;
  const figure = (value, key, name) => el("div", { class: "figure", "data-figure": name }, el("b", {}, String(value)), el("span", {}, t(key)));
  $("#stations-figures").replaceChildren(figure(items.length, "st.stations", "stations"),
    figure(items.filter((x) => x.complete).length, "st.complete_count", "complete"),
    figure(gaps.households ?? "—", "st.households", "households"), figure(gaps.total, "st.outside", "outside"),
    figure(gaps.coverage == null ? "—" : `${(gaps.coverage * 100).toFixed(1)}%`, "st.coverage", "coverage"));
}

// The area's grids, each station a dot in the circle one reaches on foot (the circle's walk over
// the detour, as the crow flies); a click chooses the station's grid.
function drawStations() {
  const { items, gaps } = state.stations;
  const mine = new Set(myGrids().map((p) => p.grid_id));
  const svg = $("#stations-map");
  const reach = gaps.circleKm ? gaps.circleKm / (gaps.detour || 1) : 0;
  const view = drawGrids(svg, state.grids.filter((f) => mine.has(f.properties.grid_id)), "grid area", reach);
  if (!view) return;
  const dot = Math.max(view.width, view.height) / 90; // a few pixels, however large the area
  const chosen = $("#contacts-filter").grid_id.value;
  svg.querySelectorAll("path.grid").forEach((path) => {
    path.classList.toggle("selected", path.dataset.gridId === chosen);
    path.addEventListener("click", () => chooseGrid(path.dataset.gridId));
  });
  $("#stations-reach").textContent = reach ? t("st.reach").replace("{km}", gaps.circleKm) : "";
  for (const x of items) {
    if (reach) svg.append(svgNode("circle", { cx: view.x(x.lon), cy: view.y(x.lat), r: view.km(reach).toFixed(1), class: "reach" }));
  }
  for (const x of items) {
    const station = svgNode("circle", { cx: view.x(x.lon), cy: view.y(x.lat), r: dot.toFixed(1), class: `station ${x.complete ? "complete" : "incomplete"}`,
      "data-station-id": x.station_id, "data-grid-id": x.grid_id },
    `${x.name} · ${t(x.complete ? "st.complete" : "st.incomplete")}`);
    station.addEventListener("click", () => chooseGrid(x.grid_id));
    svg.append(station);
  }
  // The page of households outside every circle, each a small cross where it is.
  for (const g of gaps.items) {
    if (g.lon == null || g.lat == null) continue;
    const [cx, cy, d] = [view.x(g.lon), view.y(g.lat), dot * 0.6];
    svg.append(svgNode("path", { d: `M${cx - d} ${cy - d}L${cx + d} ${cy + d}M${cx - d} ${cy + d}L${cx + d} ${cy - d}`,
      class: "gap", "data-household-id": g.household_id }, `${g.address} · ${g.walk_km} km`));
  }
}

function renderGaps() {
  const gaps = state.stations.gaps;
  const stationName = (id) => (state.stations.items.find((x) => x.station_id === id) || { name: id }).name;
  const rows = gaps.items.map((g) => el("tr", { "data-household-id": g.household_id },
    el("td", {}, g.address, el("small", {}, g.household_id)), el("td", {}, gridName(g.grid_id)),
    el("td", {}, stationName(g.nearest_station_id)), el("td", { class: "num" }, g.walk_km.toFixed(2))));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 4, class: "hint" }, t("st.no_gaps"))));
  $("#gaps tbody").replaceChildren(...rows);
  showPager("gaps", gaps, gaps.total);
}

function chooseGrid(gridId) {
  $("#contacts-filter").grid_id.value = gridId;
  document.querySelectorAll("#stations tbody tr").forEach((r) => r.classList.toggle("selected", r.dataset.gridId === gridId));
  document.querySelectorAll("#stations-map path.grid").forEach((p) => p.classList.toggle("selected", p.dataset.gridId === gridId));
  loadContacts();
}

// The chosen grid's cadres and agencies, the notices they were sent, and its partners.
async function loadContacts() {
  const gridId = $("#contacts-filter").grid_id.value;
  if (!gridId) return;
  const [contacts, notices, actors] = await Promise.all([
    send(`/v1/grids/${enc(gridId)}/contacts`, "GET"), send(`/v1/grids/${enc(gridId)}/notices`, "GET"),
    send(`/v1/co-governance/organisations?grid_id=${enc(gridId)}`, "GET")]);
  if ($("#contacts-filter").grid_id.value !== gridId) return; // another grid chosen meanwhile
  const refused = [contacts, notices, actors].find((r) => !r.ok);
  say($("#contacts-message"), refused ? refused.text : "", !refused);
  Object.assign(state.stations, { contacts: contacts.ok ? contacts.body : null, notices: notices.ok ? notices.body.items : [],
    actors: actors.ok ? actors.body.items : [] });
  renderContacts();
}

function renderContacts(told = "") {
  const { contacts, notices, actors } = state.stations;
  const box = $("#contacts-box");
  if (!contacts) { box.replaceChildren(); } else {
    box.dataset.gridId = contacts.grid_id;
    box.dataset.source = contacts.source;
    const cadres = contacts.cadres.map((c) => el("li", { "data-role": c.role },
      el("span", { class: "k" }, label(CADRE_ROLE, c.role)), el("b", {}, c.name), el("span", { class: "phone" }, c.phone), el("span", { class: "hint" }, c.agency)));
    box.replaceChildren(
      told ? el("p", { class: "message ok", role: "status" }, told) : "",
      el("h3", {}, t("gc.cadres"), " ", el("span", { class: `tag ${contacts.source}` }, t(`source.${contacts.source}`))),
      cadres.length ? el("ul", { class: "cadres" }, ...cadres) : el("p", { class: "hint" }, t("gc.no_cadres")),
      field("gc.agencies", contacts.paired_agencies.join("、")),
      contacts.updated_by ? el("p", { class: "hint" }, `${t("party.updated")} ${contacts.updated_by} · ${time(contacts.updated_at)}`) : "",
      GRID_ROLES.has(state.me.role) ? "" : el("p", { class: "hint" }, t("gc.masked")),
      ASSIGNERS.has(state.me.role) ? el("button", { type: "button", class: "secondary", "data-action": "edit-contacts",
        onclick: () => box.replaceChildren(contactsForm(contacts)) }, t("gc.edit")) : "");
  }
  const items = notices.map((n) => el("li", { "data-notice-id": n.notice_id, "data-status": n.status },
    el("div", {}, caseLink(n.case_id), " ", el("span", { class: "tag off" }, label(NOTICE_CHANGE, n.change)), " ",
      el("span", { class: "tag" }, label(LEVEL, n.level)), " ", el("span", { class: `tag ${n.status === "sent" ? "on" : "warn"}` }, label(NOTICE_STATUS, n.status))),
    el("div", { class: "hint" }, `${time(n.sent_at || n.created_at)}${n.recipients.length ? ` · ${t("gc.told")} ${n.recipients.map((r) => `${r.name} ${r.phone}`).join("、")}` : ""}`),
    n.text ? el("div", { class: "notice-text" }, n.text) : ""));
  $("#notices").replaceChildren(...(items.length ? items : [el("li", { class: "hint" }, t("gc.no_notices"))]));
  const rows = actors.map((a) => el("tr", { "data-org-id": a.org_id, "data-kind": a.kind },
    el("td", {}, label(INVITEE_PARTY, a.kind)), el("td", {}, a.name, a.compound_id ? el("small", {}, a.compound_id) : ""),
    el("td", {}, a.contact_name || "—"), el("td", {}, a.contact_phone || "—")));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 4, class: "hint" }, t("gc.no_co_governance"))));
  $("#co-governance tbody").replaceChildren(...rows);
}

// 调整包管: the street or the county; the lists replace those held, a masked phone keeps its number.
function contactsForm(contacts) {
  const rows = el("div", { class: "cadre-rows" });
  const addRow = (c = { role: "cadre", name: "", phone: "", agency: "" }) => {
    const row = el("div", { class: "cadre-row" },
      el("select", { name: "role" }, ...Object.keys(CADRE_ROLE).map((k) => el("option", { value: k, selected: k === c.role }, label(CADRE_ROLE, k)))),
      el("input", { name: "name", value: c.name, required: true, maxLength: 50, placeholder: t("party.name"), autocomplete: "off" }),
      el("input", { name: "phone", type: "tel", value: c.phone, maxLength: 20, placeholder: t("party.phone"), autocomplete: "off" }),
      el("input", { name: "agency", value: c.agency, maxLength: 50, placeholder: t("gc.agency"), autocomplete: "off" }),
      el("button", { type: "button", class: "secondary", "data-action": "remove-row", onclick: () => row.remove() }, t("party.remove_row")));
    rows.append(row);
  };
  contacts.cadres.forEach(addRow);
  const agencies = el("input", { name: "paired_agencies", value: contacts.paired_agencies.join("、"), placeholder: t("gc.agencies_hint"), autocomplete: "off" });
  const message = el("p", { class: "message", role: "status" });
  const save = el("button", { type: "submit" }, t("gc.save"));
  const form = el("form", { class: "stack contacts-form", "data-grid-id": contacts.grid_id },
    el("h3", {}, t("gc.cadres")), rows,
    el("button", { type: "button", class: "secondary", "data-action": "add-row", onclick: () => addRow() }, t("gc.add_cadre")),
    el("label", {}, el("span", {}, t("gc.agencies")), agencies),
    el("div", { class: "buttons" }, save,
      el("button", { type: "button", class: "secondary", "data-action": "cancel", onclick: () => renderContacts() }, t("party.cancel"))),
    message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (row, name) => row.querySelector(`[name=${name}]`).value.trim();
    const body = {
      cadres: [...rows.querySelectorAll(".cadre-row")].map((row) => ({
        role: value(row, "role"), name: value(row, "name"), phone: value(row, "phone"), agency: value(row, "agency") })),
      paired_agencies: agencies.value.split(/[、,，;；]/).map((x) => x.trim()).filter(Boolean),
    };
    save.disabled = true;
    const reply = await send(`/v1/grids/${enc(contacts.grid_id)}/contacts`, "PUT", body);
    save.disabled = false;
    if (!reply.ok) { say(message, reply.text, false); return; }
    state.stations.contacts = reply.body;
    renderContacts(t("gc.saved"));
  });
  return form;
}

function renderStationsView() {
  renderStations();
  renderGaps();
  renderContacts();
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

// --- accounts (county, street and community administrators) ------------------------------
// The roles an administrator may grant (never one above its own) and the one scope field that
// places each role; the gateway completes the rest from the reference data.
const GRANTABLE = {
  county: ["county", "street", "community", "secretary", "worker", "member", "resident", "department"],
  street: ["street", "community", "secretary", "worker", "member", "resident"],
  community: ["community", "secretary", "worker", "member", "resident"],
};
const PLACED_BY = {
  county: null, street: "street_id", community: "community_id", secretary: "grid_id", worker: "grid_id",
  member: "grid_id", resident: "grid_id", department: "department",
};
const PLACE_LABEL = {
  street_id: "acc.place.street", community_id: "acc.place.community", grid_id: "acc.place.grid", department: "acc.place.department",
};

function grantable() {
  return GRANTABLE[state.me.role] || [];
}

// The places an account of `role` may be put in by this administrator: its own subtree only.
function placesFor(role) {
  const me = state.me;
  const key = PLACED_BY[role];
  const mine = myGrids();
  const unique = (items) => [...new Map(items.map((o) => [o.value, o])).values()];
  if (key === "department") {
    return me.role === "county" ? Object.keys(DEPARTMENTS).map((d) => ({ value: d, text: `${label(DEPARTMENTS, d)} ${d}` })) : [];
  }
  if (key === "street_id") return unique(mine.map((p) => ({ value: p.street_id, text: p.street_name })));
  if (key === "community_id") {
    return unique(mine.map((p) => ({ value: p.community_id, text: p.community_name, group: p.street_name })));
  }
  if (key === "grid_id") {
    return mine.map((p) => ({ value: p.grid_id, text: `${p.name} ${p.grid_id}`, group: `${p.street_name} · ${p.community_name}` }))
      .sort((a, b) => a.group.localeCompare(b.group, "zh") || a.value.localeCompare(b.value));
  }
  return [];
}

function renderPlace(container, role, current = "", disabled = false) {
  const key = PLACED_BY[role];
  container.dataset.key = key || "";
  if (!key) { container.replaceChildren(el("p", { class: "hint" }, t("acc.place.none"))); return; }
  const select = el("select", { name: "place", required: true, disabled });
  const groups = new Map();
  for (const o of placesFor(role)) {
    const option = el("option", { value: o.value, selected: o.value === current }, o.text);
    if (!o.group) { select.append(option); continue; }
    if (!groups.has(o.group)) groups.set(o.group, select.appendChild(el("optgroup", { label: o.group })));
    groups.get(o.group).append(option);
  }
  if (current && !select.querySelector(`option[value="${CSS.escape(current)}"]`)) {
    select.prepend(el("option", { value: current, selected: true }, placeText({ [key]: current })));
  }
  container.replaceChildren(el("label", {}, el("span", {}, t(PLACE_LABEL[key])), select));
}

function scopeFrom(container) {
  const key = container.dataset.key;
  const select = container.querySelector("select");
  return key && select ? { [key]: select.value } : {};
}

function roleOptions(select, roles, { all = false } = {}) {
  const keep = select.value;
  const options = roles.map((r) => el("option", { value: r }, label(ROLE, r)));
  if (all) options.unshift(el("option", { value: "", "data-i18n": "f.all" }, t("f.all")));
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

function fillAccountRoles() {
  roleOptions($("#accounts-filter").role, grantable(), { all: true });
  const form = $("#account-form");
  const fresh = !form.role.options.length;
  roleOptions(form.role, grantable());
  if (fresh && grantable().includes("secretary")) form.role.value = "secretary";
  renderPlace(form.querySelector(".place"), form.role.value, form.querySelector(".place select")?.value || "");
}

function openAccounts() {
  fillAccountRoles();
  loadAccounts();
}

function say(node, text, ok) {
  node.textContent = text;
  node.className = `message ${ok ? "ok" : "error"}`;
}

async function loadAccounts() {
  const acc = state.accounts;
  const reply = await send(`/v1/accounts?${listQuery(acc, $("#accounts-filter"))}`, "GET");
  if (!reply.ok) { say($("#accounts-message"), reply.text, false); return; }
  acc.items = reply.body.items;
  acc.total = reply.body.total;
  renderAccounts();
}

// The place's name, and for a grid its id beneath.
function placeCell(scope) {
  const p = scope.grid_id ? gridProps(scope.grid_id) : null;
  return p ? el("td", {}, p.name, el("small", {}, scope.grid_id)) : el("td", {}, placeText(scope));
}

function statusTags(a) {
  const tags = [el("span", { class: `tag ${a.disabled ? "off" : "on"}` }, t(a.disabled ? "acc.disabled" : "acc.active"))];
  if (a.must_change_password) tags.push(el("span", { class: "tag warn" }, t("acc.mustchange")));
  if (a.source === "oidc") tags.push(el("span", { class: "tag" }, t("source.oidc")));
  return tags;
}

// A button that acts on its second click: the first asks for the confirmation.
function confirming(text, action, attrs = {}) {
  const button = el("button", { type: "button", ...attrs }, text);
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    if (!button.classList.contains("confirming")) {
      button.classList.add("confirming");
      button.textContent = t("acc.confirm");
      setTimeout(() => { button.classList.remove("confirming"); button.textContent = text; }, 4000);
      return;
    }
    button.disabled = true;
    action();
  });
  return button;
}

function accountButtons(a, where) {
  const buttons = [];
  const self = a.username === state.me.username;
  if (where === "row") {
    buttons.push(el("button", { type: "button", class: "secondary", "data-action": "edit",
      onclick: (e) => { e.stopPropagation(); openAccount(a.username); } }, t("acc.edit")));
  }
  if (!self) {
    buttons.push(a.disabled
      ? el("button", { type: "button", "data-action": "enable", onclick: (e) => { e.stopPropagation(); setDisabled(a, false, where); } }, t("acc.enable"))
      : confirming(t("acc.disable"), () => setDisabled(a, true, where), { "data-action": "disable" }));
  }
  if (a.source !== "oidc") buttons.push(confirming(t("acc.reset"), () => resetPassword(a, where), { "data-action": "reset-password" }));
  return buttons;
}

function renderAccounts() {
  const acc = state.accounts;
  const created = acc.created && !acc.items.some((x) => x.username === acc.created.username) ? [acc.created] : [];
  const rows = [...created, ...acc.items].map((a) => el("tr", {
    "data-username": a.username, "data-role": a.role, "data-disabled": String(a.disabled),
    class: `${a.disabled ? "disabled" : ""}${a.username === acc.selected ? " selected" : ""}`,
    onclick: () => openAccount(a.username),
  },
  el("td", {}, a.username, a.username === state.me.username ? el("small", {}, t("acc.self")) : ""),
  el("td", {}, a.display_name), el("td", {}, label(ROLE, a.role)), placeCell(a.scope),
  el("td", {}, ...statusTags(a)), el("td", {}, a.last_login_at ? time(a.last_login_at) : t("acc.never")),
  el("td", { class: "actions-cell" }, ...accountButtons(a, "row"))));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 7, class: "hint" }, t("acc.none"))));
  $("#accounts tbody").replaceChildren(...rows);
  showPager("accounts", acc, acc.total);
  if (acc.selected) {
    const a = [...created, ...acc.items].find((x) => x.username === acc.selected);
    if (a) renderAccount(a);
  }
}

function replaceAccount(a) {
  const acc = state.accounts;
  acc.items = acc.items.map((x) => (x.username === a.username ? a : x));
  if (acc.created && acc.created.username === a.username) acc.created = a;
}

async function createAccount(event) {
  event.preventDefault();
  const form = event.target;
  const message = form.querySelector(".message");
  const body = { username: form.username.value.trim(), role: form.role.value, scope: scopeFrom(form.querySelector(".place")) };
  if (form.display_name.value.trim()) body.display_name = form.display_name.value.trim();
  if (form.password.value) body.password = form.password.value;
  const reply = await send("/v1/accounts", "POST", body);
  if (!reply.ok) { say(message, reply.text, false); return; }
  say(message, `${t("acc.created")}: ${reply.body.username}`, true);
  for (const name of ["username", "display_name", "password"]) form[name].value = "";
  if (reply.body.one_time_password) showOneTime(reply.body.username, reply.body.one_time_password);
  state.accounts.created = { ...reply.body, one_time_password: undefined };
  await loadAccounts();
}

function showOneTime(username, password) {
  $("#one-time-username").textContent = username;
  $("#one-time-password").textContent = password;
  $("#one-time-copied").textContent = "";
  $("#one-time").hidden = false;
  $("#one-time").scrollIntoView({ block: "nearest" });
}

async function copyOneTime() {
  const code = $("#one-time-password");
  try {
    await navigator.clipboard.writeText(code.textContent);
  } catch {
    // No clipboard access: select it for the usual copy keys.
    getSelection().selectAllChildren(code);
    document.execCommand("copy");
  }
  $("#one-time-copied").textContent = t("acc.copied");
}

function closeOneTime() {
  $("#one-time").hidden = true;
  $("#one-time-password").textContent = "";
  $("#one-time-username").textContent = "";
}

function newAccount() {
  state.accounts.selected = null;
  $("#account-detail").hidden = true;
  $("#account-form").hidden = false;
  document.querySelectorAll("#accounts tr.selected").forEach((r) => r.classList.remove("selected"));
  $("#account-form").username.focus();
}

async function openAccount(username) {
  const acc = state.accounts;
  let a = [acc.created, ...acc.items].find((x) => x && x.username === username);
  if (!a) {
    const reply = await send(`/v1/accounts/${encodeURIComponent(username)}`, "GET");
    if (!reply.ok) { say($("#accounts-message"), reply.text, false); return; }
    a = reply.body;
  }
  acc.selected = username;
  document.querySelectorAll("#accounts tbody tr").forEach((r) => r.classList.toggle("selected", r.dataset.username === username));
  renderAccount(a);
}

function renderAccount(a) {
  const box = $("#account-detail");
  const self = a.username === state.me.username;
  const role = el("select", { name: "role", disabled: self });
  roleOptions(role, grantable().includes(a.role) ? grantable() : [a.role, ...grantable()]);
  role.value = a.role;
  const place = el("div", { class: "place" });
  const placed = () => (PLACED_BY[a.role] ? a.scope[PLACED_BY[a.role]] || "" : "");
  renderPlace(place, a.role, placed(), self);
  role.addEventListener("change", () => renderPlace(place, role.value, role.value === a.role ? placed() : ""));
  const display = el("input", { name: "display_name", value: a.display_name, maxLength: 100 });
  const message = el("p", { class: "message", role: "status" });
  const form = el("form", { class: "stack", id: "account-edit" },
    el("label", {}, el("span", {}, t("acc.display")), display),
    el("label", {}, el("span", {}, t("acc.role")), role),
    place,
    el("p", { class: "hint" }, t("acc.scopechange")),
    el("button", { type: "submit" }, t("acc.save")),
    message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const patch = {};
    if (display.value.trim() !== a.display_name) patch.display_name = display.value.trim();
    const scope = scopeFrom(place);
    if (role.value !== a.role || (PLACED_BY[role.value] && scope[PLACED_BY[role.value]] !== placed())) {
      patch.role = role.value;
      patch.scope = scope;
    }
    if (!Object.keys(patch).length) { say(message, t("acc.saved"), true); return; }
    const reply = await send(`/v1/accounts/${encodeURIComponent(a.username)}`, "PATCH", patch);
    if (!reply.ok) { say(message, reply.text, false); return; }
    replaceAccount(reply.body);
    renderAccounts();
    say($("#account-detail .message"), t("acc.saved"), true);
  });
  box.dataset.username = a.username;
  box.replaceChildren(
    el("div", { class: "detail-head" }, el("h2", {}, a.username),
      el("button", { type: "button", class: "secondary", onclick: newAccount }, t("d.close"))),
    el("p", {}, ...statusTags(a)),
    field("acc.created_at", `${time(a.created_at)} · ${a.created_by}`),
    field("acc.changed_at", `${time(a.changed_at)} · ${a.changed_by}`),
    field("acc.lastlogin", a.last_login_at ? time(a.last_login_at) : t("acc.never")),
    field("acc.source", t(`source.${a.source}`)),
    form,
    el("div", { class: "buttons" }, ...accountButtons(a, "detail")),
  );
  $("#account-form").hidden = true;
  box.hidden = false;
}

async function setDisabled(a, disabled, where) {
  const reply = await send(`/v1/accounts/${encodeURIComponent(a.username)}`, "PATCH", { disabled });
  const text = reply.ok ? t(disabled ? "acc.disabled_done" : "acc.enabled_done") + `: ${a.username}` : reply.text;
  if (reply.ok) replaceAccount(reply.body);
  renderAccounts();
  say(where === "detail" && !$("#account-detail").hidden ? $("#account-detail .message") : $("#accounts-message"), text, reply.ok);
}

async function resetPassword(a, where) {
  const reply = await send(`/v1/accounts/${encodeURIComponent(a.username)}:reset-password`, "POST");
  if (!reply.ok) {
    renderAccounts();
    say(where === "detail" && !$("#account-detail").hidden ? $("#account-detail .message") : $("#accounts-message"), reply.text, false);
    return;
  }
  replaceAccount({ ...reply.body, one_time_password: undefined });
  renderAccounts();
  showOneTime(a.username, reply.body.one_time_password);
}

// --- wiring --------------------------------------------------------------------------------
function applyLang() {
  translatePage();
  $("#lang").textContent = t("lang");
  renderSso();
  renderWho();
  const me = state.me;
  if (!me || state.forced) return;
  if (!$("#members-view").hidden) renderMembersView();
  if (!$("#activities-view").hidden) redrawActivities();
  if (PEOPLE.has(me.role)) { loadOrders(); return; }
  drawMap();
  loadCases();
  if (state.selected) openCase(state.selected);
  if (!$("#orders-view").hidden) loadOrders();
  if (!$("#party-view").hidden) renderParty();
  if (!$("#meetings-view").hidden) redrawMeetings();
  if (!$("#assessment-view").hidden) renderAssessmentView();
  if (!$("#stations-view").hidden) renderStationsView();
  if (ADMINS.has(me.role)) {
    fillAccountRoles();
    if (!$("#accounts-view").hidden) renderAccounts();
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  await loadVocabulary();
  setLang(currentLang());
  applyLang();
  $("#login").addEventListener("submit", login);
  $("#logout").addEventListener("click", logout);
  $("#sso-login").addEventListener("click", ssoLogin);
  $("#change-password").addEventListener("click", showPasswordForm);
  $("#password-form").addEventListener("submit", changePassword);
  $("#password-cancel").addEventListener("click", () => show(state.view));
  $("#lang").addEventListener("click", () => { setLang(currentLang() === "zh" ? "en" : "zh"); applyLang(); });
  document.querySelectorAll("#nav button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));
  $("#filters").addEventListener("submit", (e) => { e.preventDefault(); state.page = 1; loadCases(); });
  $("#prev").addEventListener("click", () => { state.page -= 1; loadCases(); });
  $("#next").addEventListener("click", () => { state.page += 1; loadCases(); });
  $("#report-form").addEventListener("submit", showReport);
  $("#place").addEventListener("submit", (e) => submitForm(e, "/v1/service-orders"));
  $("#register").addEventListener("submit", (e) => submitForm(e, "/v1/party-members"));
  $("#print").addEventListener("click", () => $("#report-frame").contentWindow.print());
  $("#party-expand").addEventListener("click", () => collapseAll(false));
  $("#party-collapse").addEventListener("click", () => collapseAll(true));
  const listMeetings = wirePager("meetings", state.meetings, loadMeetings);
  $("#meetings-filter").addEventListener("submit", (e) => { e.preventDefault(); listMeetings(1); loadDecisions(); });
  $("#decisions-overdue").addEventListener("change", loadDecisions);
  $("#meeting-new").addEventListener("click", planForm);
  const listAccounts = wirePager("accounts", state.accounts, () => { state.accounts.created = null; loadAccounts(); });
  $("#accounts-filter").addEventListener("submit", (e) => { e.preventDefault(); listAccounts(1); });
  const listMembers = wirePager("members", state.members, loadMembers);
  const listRoll = wirePager("roll", state.members.roll, loadRoll);
  $("#members-filter").addEventListener("submit", (e) => { e.preventDefault(); listMembers(1); listRoll(1); });
  $("#roll-filter").addEventListener("submit", (e) => { e.preventDefault(); listRoll(1); });
  $("#team-form").addEventListener("submit", formTeam);
  const listActivities = wirePager("activities", state.activities, loadActivities);
  $("#activities-filter").addEventListener("submit", (e) => {
    e.preventDefault();
    listActivities(1);
    if (ORGANISERS.has(state.me.role)) loadSixOnes();
  });
  $("#activity-new").addEventListener("click", activityPlanForm);
  $("#assessment-filter").addEventListener("submit", (e) => { e.preventDefault(); loadWeek(); });
  $("#assess-week").addEventListener("click", assessWeek);
  $("#submission-form").addEventListener("submit", submitWeek);
  $("#bulletin-form").addEventListener("submit", issueBulletin);
  wirePager("gaps", state.stations.gaps, loadGaps);
  $("#contacts-filter").grid_id.addEventListener("change", (e) => chooseGrid(e.target.value));
  $("#account-new").addEventListener("click", newAccount);
  $("#account-form").addEventListener("submit", createAccount);
  $("#account-form").role.addEventListener("change", (e) => renderPlace($("#account-form .place"), e.target.value));
  $("#one-time-copy").addEventListener("click", copyOneTime);
  $("#one-time-done").addEventListener("click", closeOneTime);

  // Why the last session ended, kept across the reload that signed out.
  const why = sessionStorage.getItem(KEY.notice);
  if (why) { $("#login-error").textContent = why; sessionStorage.removeItem(KEY.notice); }
  loadProviders();
  // Back from single sign-on: #sso=<code> to exchange for tokens, or #sso_error=<reason>.
  const back = new URLSearchParams(location.hash.slice(1));
  if (back.has("sso") || back.has("sso_error")) {
    history.replaceState(null, "", location.pathname + location.search);
    if (back.has("sso")) { await ssoExchange(back.get("sso")); return; }
    $("#login-error").textContent = `${t("login.sso_failed")}: ${back.get("sso_error")}`;
  }
  if (state.token) await resume();
});
