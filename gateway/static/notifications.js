// 消息提醒 and 接口订阅: the bell in the header with the caller's unread notifications (a case that
// reached the caller's level, or whose deadline passed there), a list that opens the case; and the
// webhook subscriptions of the caller's scope (county, street, community, department) with their
// delivery log. The dashboard's helpers come in `ctx` from app.js:
// {json, send, el, t, label, time, me, openCase}.
import { CATEGORY, LEVEL, STATUS } from "./i18n.js";

const POLL_MS = 30_000; // the bell reads again this often (and at once on a live case change)
const bell = { ctx: null, timer: null, soon: null, open: false, items: [], unread: 0, loading: null };

// --- the bell --------------------------------------------------------------------------------

export function startBell(ctx) {
  bell.ctx = ctx;
  const root = document.querySelector("#bell");
  const { el, t } = ctx;
  root.hidden = false;
  root.replaceChildren(
    el("button", { type: "button", id: "bell-button", title: t("bell.title"), onclick: toggle },
      el("span", { "data-i18n": "bell.button" }, t("bell.button")), el("span", { id: "bell-count", class: "bell-count", hidden: true })),
    el("div", { id: "bell-panel", class: "bell-panel card", hidden: true }));
  document.addEventListener("click", (e) => { if (bell.open && !root.contains(e.target)) close(); });
  clearInterval(bell.timer);
  bell.timer = setInterval(refreshBell, POLL_MS);
  refreshBell();
}

export function stopBell() {
  clearInterval(bell.timer);
  bell.timer = null;
  const root = document.querySelector("#bell");
  if (root) { root.hidden = true; root.replaceChildren(); }
}

// A live case change may have brought a notification: read them again shortly (once for a burst).
export function refreshBellSoon() {
  if (!bell.ctx || bell.soon) return;
  bell.soon = setTimeout(() => { bell.soon = null; refreshBell(); }, 1500);
}

// Read the caller's notifications again.
export function refreshBell() {
  if (!bell.ctx || bell.loading) return bell.loading;
  bell.loading = (async () => {
    try {
      const body = await bell.ctx.json("/v1/notifications?limit=30");
      bell.items = body.items;
      bell.unread = body.unread;
      renderCount();
      if (bell.open) renderPanel();
    } catch { /* the next poll tries again */ } finally { bell.loading = null; }
  })();
  return bell.loading;
}

function renderCount() {
  const badge = document.querySelector("#bell-count");
  if (!badge) return;
  badge.hidden = bell.unread === 0;
  badge.textContent = bell.unread > 99 ? "99+" : String(bell.unread);
  document.querySelector("#bell-button").dataset.unread = String(bell.unread);
}

function toggle(e) {
  e.stopPropagation();
  if (bell.open) { close(); return; }
  bell.open = true;
  document.querySelector("#bell-panel").hidden = false;
  renderPanel();
  refreshBell();
}

function close() {
  bell.open = false;
  document.querySelector("#bell-panel").hidden = true;
}

function renderPanel() {
  const { el, t, label, time } = bell.ctx;
  const panel = document.querySelector("#bell-panel");
  const head = el("div", { class: "bell-head" }, el("b", { "data-i18n": "bell.title" }, t("bell.title")),
    el("button", { type: "button", id: "bell-read-all", disabled: bell.unread === 0, onclick: readAll }, t("bell.read_all")));
  const list = el("ul", { id: "bell-list", class: "bell-list" });
  for (const n of bell.items) {
    const what = n.kind === "overdue"
      ? (n.automatic ? t("bell.overdue_escalated") : t("bell.overdue"))
      : t(`bell.arrived.${n.change}`);
    list.append(el("li", { class: n.read ? "read" : "unread", "data-notification-id": n.notification_id,
      "data-case-id": n.case_id, "data-kind": n.kind, onclick: () => openNotification(n) },
    el("span", { class: `bell-kind k-${n.kind}` }, n.kind_label),
    el("span", { class: "bell-text" }, `${what} · ${label(CATEGORY, n.category)} · ${label(LEVEL, n.level)} · ${label(STATUS, n.status)}`),
    el("small", {}, `${n.case_id} · ${time(n.at)}`)));
  }
  if (!bell.items.length) list.append(el("li", { class: "empty" }, t("bell.empty")));
  panel.replaceChildren(head, list);
}

async function openNotification(n) {
  close();
  if (!n.read) await bell.ctx.send(`/v1/notifications/${encodeURIComponent(n.notification_id)}/read`, "POST");
  bell.ctx.openCase(n.case_id);
  refreshBell();
}

async function readAll(e) {
  e.stopPropagation();
  await bell.ctx.send("/v1/notifications/read-all", "POST");
  refreshBell();
}

// --- webhook subscriptions (接口订阅) ---------------------------------------------------------

const EVENTS = ["case.changed", "case.opened", "case.escalated", "case.handed_over", "case.overdue", "case.closed"];
const hooks = { ctx: null, ready: false, selected: null };

export function openWebhooks(ctx) {
  hooks.ctx = ctx;
  if (!hooks.ready) { buildWebhooks(); hooks.ready = true; }
  loadWebhooks();
}

function buildWebhooks() {
  const { el, t } = hooks.ctx;
  const form = el("form", { id: "webhook-form", class: "stack", onsubmit: createWebhook },
    el("h3", { "data-i18n": "wh.new" }, t("wh.new")),
    el("label", {}, el("span", { "data-i18n": "wh.url" }, t("wh.url")), el("input", { name: "url", type: "url", required: true, placeholder: "https://" })),
    el("label", {}, el("span", { "data-i18n": "wh.description" }, t("wh.description")), el("input", { name: "description", maxLength: 200 })),
    el("fieldset", { class: "wh-events" }, el("legend", { "data-i18n": "wh.events" }, t("wh.events")),
      ...EVENTS.map((e) => el("label", { class: "check" },
        el("input", { type: "checkbox", name: "events", value: e, defaultChecked: e === "case.changed" }),
        el("span", { "data-i18n": `wh.e.${e}` }, t(`wh.e.${e}`))))),
    el("label", {}, el("span", { "data-i18n": "wh.secret" }, t("wh.secret")), el("input", { name: "secret", required: true, minLength: 16, maxLength: 256 })),
    el("p", { class: "hint", "data-i18n": "wh.secret_hint" }, t("wh.secret_hint")),
    el("button", { type: "submit", "data-i18n": "wh.create" }, t("wh.create")),
    el("p", { id: "webhook-form-message", class: "message", role: "status" }));
  const table = el("table", { id: "webhooks" },
    el("thead", {}, el("tr", {}, ...["wh.url", "wh.events", "wh.by", "wh.created", ""].map((k) => el("th", k ? { "data-i18n": k } : {}, k ? t(k) : "")))),
    el("tbody"));
  document.querySelector("#webhooks-view").replaceChildren(el("div", { class: "meetings-layout" },
    el("div", { class: "card" }, el("h2", { "data-i18n": "wh.title" }, t("wh.title")), el("p", { class: "hint", "data-i18n": "wh.hint" }, t("wh.hint")),
      el("p", { id: "webhooks-message", class: "message", role: "status" }), table, form),
    el("div", { class: "card meeting-side", id: "webhook-side" }, el("p", { class: "hint" }, t("wh.pick")))));
}

async function loadWebhooks() {
  const { json, el, t, time } = hooks.ctx;
  const message = document.querySelector("#webhooks-message");
  let body;
  try { body = await json("/v1/webhooks?page_size=200"); } catch (err) { message.textContent = err.message; return; }
  message.textContent = body.total ? "" : t("wh.none");
  const tbody = document.querySelector("#webhooks tbody");
  tbody.replaceChildren(...body.items.map((h) => el("tr", { "data-webhook-id": h.webhook_id, class: hooks.selected === h.webhook_id ? "selected" : "" },
    el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); openLog(h); } }, h.url),
      h.description ? el("div", { class: "hint" }, h.description) : ""),
    el("td", {}, h.events.map((e) => t(`wh.e.${e}`)).join("、")),
    el("td", {}, h.created_by),
    el("td", {}, time(h.created_at)),
    el("td", {}, el("button", { type: "button", class: "danger", onclick: () => removeWebhook(h) }, t("wh.delete"))))));
}

async function createWebhook(e) {
  e.preventDefault();
  const { send, t } = hooks.ctx;
  const form = e.target;
  const data = new FormData(form);
  const message = document.querySelector("#webhook-form-message");
  const made = await send("/v1/webhooks", "POST", {
    url: data.get("url").trim(), description: data.get("description").trim(), events: data.getAll("events"),
    secret: data.get("secret"),
  });
  if (!made.ok) { message.textContent = made.text; return; }
  form.reset();
  message.textContent = t("wh.created_ok");
  hooks.selected = made.body.webhook_id;
  await loadWebhooks();
  openLog(made.body);
}

async function removeWebhook(h) {
  const { send, t } = hooks.ctx;
  if (!window.confirm(`${t("wh.delete_confirm")} ${h.url}`)) return;
  const done = await send(`/v1/webhooks/${encodeURIComponent(h.webhook_id)}`, "DELETE");
  if (!done.ok) { document.querySelector("#webhooks-message").textContent = done.text; return; }
  if (hooks.selected === h.webhook_id) {
    hooks.selected = null;
    document.querySelector("#webhook-side").replaceChildren(hooks.ctx.el("p", { class: "hint" }, t("wh.pick")));
  }
  loadWebhooks();
}

async function openLog(h) {
  const { json, el, t, time, openCase } = hooks.ctx;
  hooks.selected = h.webhook_id;
  document.querySelectorAll("#webhooks tbody tr").forEach((r) => r.classList.toggle("selected", r.dataset.webhookId === h.webhook_id));
  const side = document.querySelector("#webhook-side");
  let body;
  try { body = await json(`/v1/webhooks/${encodeURIComponent(h.webhook_id)}/deliveries?page_size=50`); } catch (err) {
    side.replaceChildren(el("p", { class: "message" }, err.message));
    return;
  }
  const rows = body.items.map((d) => el("tr", { "data-delivery-id": d.delivery_id, "data-status": d.status },
    el("td", {}, t(`wh.e.${d.event}`)),
    el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); openCase(d.case_id); } }, d.case_id)),
    el("td", { class: `wh-status ws-${d.status}` }, t(`wh.s.${d.status}`)),
    el("td", {}, d.attempts.map((a) => `${time(a.at)} ${a.status_code ?? a.error ?? ""}`).join("\n") || "—"),
    el("td", {}, d.next_attempt_at ? time(d.next_attempt_at) : "—")));
  side.replaceChildren(
    el("h3", {}, t("wh.log")), el("p", { class: "hint" }, `${h.url} · ${t("wh.total")} ${body.total}`),
    el("table", { id: "webhook-log" },
      el("thead", {}, el("tr", {}, ...["wh.event", "c.case", "c.status", "wh.attempts", "wh.next"].map((k) => el("th", {}, t(k))))),
      el("tbody", {}, ...rows)),
    body.items.length ? "" : el("p", { class: "hint" }, t("wh.log_empty")));
}
