// 专项任务 (tasks from above): the county, a street, a community or a department dispatches a
// task to grids and watches completion per grid with the overdue items; a grid's secretary and
// workers see their grid's items and report each (done, or problem found with a note). An open
// decision of a joint meeting (联席会议) may become the task, which then names it.
// The dashboard's helpers come in `ctx` from app.js: {json, send, el, t, label, time, say, me, grids}.
import { CATEGORY } from "./i18n.js";

const DISPATCHERS = new Set(["county", "street", "community", "department"]);
const REPORTERS = new Set(["secretary", "worker"]);
const ITEMS_FROM = ["compound", "single", "named", "resident_unit", "social_organisation"];
const view = { ctx: null, ready: false, status: "open", selected: null };

export function openTasks(ctx) {
  view.ctx = ctx;
  if (!view.ready) { build(); view.ready = true; }
  loadTasks();
}

function build() {
  const { el, t, me } = view.ctx;
  const root = document.querySelector("#tasks-view");
  const filter = el("select", { id: "tasks-status", onchange: (e) => { view.status = e.target.value; loadTasks(); } },
    ...["open", "closed", "cancelled", ""].map((s) => el("option", { value: s }, s ? t(`task.s.${s}`) : t("f.all"))));
  const head = el("div", { class: "party-head" },
    el("h2", {}, el("span", { "data-i18n": "task.title" }, t("task.title")), " ", el("small", { id: "tasks-count" })),
    DISPATCHERS.has(me.role) ? el("button", { type: "button", id: "task-new", "data-i18n": "task.new", onclick: showForm }, t("task.new")) : "");
  const table = el("table", { id: "tasks" },
    el("thead", {}, el("tr", {}, ...["task.task", "task.dispatcher", "task.due", "task.completion", "task.overdue", "c.status"]
      .map((k) => el("th", { "data-i18n": k }, t(k))))),
    el("tbody"));
  root.replaceChildren(el("div", { class: "meetings-layout" },
    el("div", { class: "card" }, head, el("label", { class: "filters" }, el("span", { "data-i18n": "f.status" }, t("f.status")), filter),
      el("p", { id: "tasks-message", class: "message", role: "status" }), table),
    el("div", { class: "card meeting-side", id: "task-side" },
      el("p", { class: "hint" }, t(REPORTERS.has(me.role) ? "task.pick_grid" : "task.pick")))));
}

async function loadTasks() {
  const { send, say } = view.ctx;
  const query = new URLSearchParams({ page_size: "100" });
  if (view.status) query.set("status", view.status);
  const reply = await send(`/v1/tasks?${query}`, "GET");
  say(document.querySelector("#tasks-message"), reply.text, reply.ok);
  if (!reply.ok) return;
  document.querySelector("#tasks-count").textContent = `${reply.body.total} ${view.ctx.t("task.count")}`;
  const { el, t, time } = view.ctx;
  document.querySelector("#tasks tbody").replaceChildren(...reply.body.items.map((x) => el("tr", {
    "data-task-id": x.task_id, class: x.task_id === view.selected ? "selected" : undefined,
    onclick: () => openTask(x.task_id),
  },
  el("td", {}, x.title, el("small", {}, x.task_id)), el("td", {}, dispatcherText(x.dispatcher)),
  el("td", {}, time(x.due_at)), el("td", {}, bar(x.completion, `${x.reported}/${x.items}`)),
  el("td", {}, x.overdue ? el("span", { class: "tag off" }, String(x.overdue)) : "0"),
  el("td", {}, el("span", { class: `tag ${x.status}` }, t(`task.s.${x.status}`))))));
}

function dispatcherText(d) {
  const { t } = view.ctx;
  return `${t(`task.level.${d.level}`)} · ${d.username}`;
}

function bar(share, text) {
  const { el } = view.ctx;
  const pct = Math.round((share || 0) * 100);
  return el("span", { class: "task-bar", title: `${pct}%` },
    el("meter", { min: 0, max: 1, low: 0.5, high: 0.99, optimum: 1, value: share || 0 }), el("span", {}, ` ${pct}% ${text}`));
}

function gridName(gridId) {
  const p = view.ctx.grids.find((g) => g.grid_id === gridId);
  return p ? p.name : gridId;
}

async function openTask(taskId) {
  view.selected = taskId;
  document.querySelectorAll("#tasks tbody tr").forEach((r) => r.classList.toggle("selected", r.dataset.taskId === taskId));
  const reply = await view.ctx.send(`/v1/tasks/${encodeURIComponent(taskId)}`, "GET");
  const side = document.querySelector("#task-side");
  if (!reply.ok) { side.replaceChildren(view.ctx.el("p", { class: "message error" }, reply.text)); return; }
  renderTask(reply.body);
  loadTasks(); // the list's completion as of now too
}

function renderTask(task, message = "", ok = true) {
  const { el, t, time, me, label } = view.ctx;
  const side = document.querySelector("#task-side");
  const open = task.status === "open";
  const parts = [
    el("div", { class: "detail-head" }, el("h2", {}, task.title), el("span", { class: `tag ${task.status}` }, t(`task.s.${task.status}`))),
    el("p", { class: `message ${ok ? "ok" : "error"}`, role: "status", id: "task-message" }, message),
    el("p", { class: "hint" }, task.instructions || ""),
    el("div", { class: "field" }, el("span", { class: "k" }, t("task.dispatcher")), el("span", { class: "v" }, dispatcherText(task.dispatcher))),
    el("div", { class: "field" }, el("span", { class: "k" }, t("task.due")), el("span", { class: "v" }, time(task.due_at))),
  ];
  if (task.category) parts.push(el("div", { class: "field" }, el("span", { class: "k" }, t("c.category")), el("span", { class: "v" }, label(CATEGORY, task.category))));
  if (task.meeting_id) parts.push(el("div", { class: "field" }, el("span", { class: "k" }, t("task.meeting")), el("span", { class: "v" }, `${task.meeting_id}/${task.decision_id}`)));
  parts.push(el("h3", {}, `${t("task.by_grid")} · ${Math.round(task.completion * 100)}%`));
  parts.push(el("table", { class: "task-grids" },
    el("thead", {}, el("tr", {}, ...["c.grid", "task.completion", "task.done", "task.problems", "task.open", "task.overdue"].map((k) => el("th", {}, t(k))))),
    el("tbody", {}, ...task.grids.map((g) => el("tr", { "data-grid-id": g.grid_id },
      el("td", {}, g.name || g.grid_id), el("td", {}, bar(g.completion, `${g.done + g.problems}/${g.items}`)),
      el("td", {}, String(g.done)), el("td", {}, String(g.problems)), el("td", {}, String(g.open)),
      el("td", {}, g.overdue ? el("span", { class: "tag off" }, String(g.overdue)) : "0"))))));
  if (task.overdue_items && task.overdue_items.length) {
    parts.push(el("h3", {}, `${t("task.overdue_items")} (${task.overdue_items.length})`));
    parts.push(el("ul", { class: "task-overdue" }, ...task.overdue_items.map((x) => el("li", {}, `${gridName(x.grid_id)} · ${x.name}`))));
  }
  const mine = REPORTERS.has(me.role) ? (task.item_list || []).filter((x) => x.grid_id === me.scope.grid_id) : [];
  const items = REPORTERS.has(me.role) ? mine : (task.item_list || []).filter((x) => x.status !== "open");
  if (items.length) {
    parts.push(el("h3", {}, t(REPORTERS.has(me.role) ? "task.my_items" : "task.reports")));
    parts.push(el("table", { class: "task-items" }, el("tbody", {}, ...items.map((x) => itemRow(task, x, open)))));
  }
  if (open && DISPATCHERS.has(me.role)) {
    parts.push(el("div", { class: "close-controls" },
      el("button", { type: "button", id: "task-close", onclick: () => end(task, "close") }, t("task.close")),
      el("button", { type: "button", class: "secondary", id: "task-cancel", onclick: () => end(task, "cancel") }, t("task.cancel"))));
  }
  side.replaceChildren(...parts);
}

function itemRow(task, x, open) {
  const { el, t, me } = view.ctx;
  const cells = [
    el("td", {}, x.name, el("small", {}, gridName(x.grid_id))),
    el("td", {}, el("span", { class: `tag ${x.status === "done" ? "done" : x.status === "problem" ? "off" : x.overdue ? "warn" : ""}` },
      t(x.overdue ? "task.overdue" : `task.i.${x.status}`)), x.note ? el("small", {}, x.note) : ""),
  ];
  if (open && REPORTERS.has(me.role) && x.grid_id === me.scope.grid_id) {
    const note = el("input", { name: "note", placeholder: t("task.note"), value: "" });
    cells.push(el("td", { class: "task-report" }, note,
      el("button", { type: "button", class: "report-done", onclick: () => report(task, x, "done", note.value) }, t("task.report_done")),
      el("button", { type: "button", class: "secondary report-problem", onclick: () => report(task, x, "problem", note.value) }, t("task.report_problem"))));
  }
  return el("tr", { "data-item-id": x.item_id, "data-status": x.status }, ...cells);
}

async function report(task, item, outcome, note) {
  const reply = await view.ctx.send(`/v1/tasks/${encodeURIComponent(task.task_id)}/items/${encodeURIComponent(item.item_id)}/report`,
    "POST", { outcome, note });
  if (!reply.ok) { renderTask(task, reply.text, false); return; }
  renderTask(reply.body, view.ctx.t("task.reported"));
  loadTasks();
}

async function end(task, how) {
  const reply = await view.ctx.send(`/v1/tasks/${encodeURIComponent(task.task_id)}/${how}`, "POST", {});
  if (!reply.ok) { renderTask(task, reply.text, false); return; }
  renderTask(reply.body, view.ctx.t(how === "close" ? "task.closed" : "task.cancelled"));
  loadTasks();
}

// The areas a dispatcher may name: its own (the county, its street or community) and those below it.
function areaOptions() {
  const { me, grids, t } = view.ctx;
  const out = [];
  const seen = new Set();
  if (me.role === "county" || me.role === "department") out.push(["county", t("scope.county")]);
  for (const g of grids) {
    if ((me.role === "county" || me.role === "department" || me.role === "street") && !seen.has(g.street_id)) {
      seen.add(g.street_id);
      out.push([`street:${g.street_id}`, g.street_name || g.street_id]);
    }
    if (!seen.has(g.community_id)) {
      seen.add(g.community_id);
      out.push([`community:${g.community_id}`, g.community_name || g.community_id]);
    }
  }
  return out;
}

function showForm() {
  const { el, t } = view.ctx;
  view.selected = null;
  const due = new Date(Date.now() + 7 * 86400_000);
  const local = new Date(due.getTime() - due.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  const names = el("textarea", { name: "item_names", rows: 3, placeholder: t("task.names_placeholder") });
  const namesLabel = el("label", { hidden: true }, el("span", {}, t("task.item_names")), names);
  const gridsBox = el("div", { class: "task-grid-picks", hidden: true }, ...view.ctx.grids.map((g) =>
    el("label", { class: "check" }, el("input", { type: "checkbox", name: "grid_ids", value: g.grid_id }), ` ${g.name}`)));
  const target = el("select", { name: "target", onchange: (e) => { gridsBox.hidden = e.target.value !== "grids"; } },
    ...areaOptions().map(([v, text]) => el("option", { value: v }, text)), el("option", { value: "grids" }, t("task.pick_grids")));
  const itemsFrom = el("select", { name: "items_from", onchange: (e) => { namesLabel.hidden = e.target.value !== "named"; } },
    ...ITEMS_FROM.map((k) => el("option", { value: k }, t(`task.from.${k}`))));
  const decision = el("select", { name: "decision", onchange: (e) => fromDecision(e.target) },
    el("option", { value: "" }, t("task.no_decision")));
  const form = el("form", { id: "task-form", class: "stack", onsubmit: submit },
    el("h2", {}, t("task.new")),
    view.ctx.me.role === "department" ? "" : el("label", {}, el("span", {}, t("task.from_decision")), decision),
    el("label", {}, el("span", {}, t("task.name")), el("input", { name: "title", required: true, maxLength: 200, placeholder: t("task.name_placeholder") })),
    el("label", {}, el("span", {}, t("task.instructions")), el("textarea", { name: "instructions", rows: 3 })),
    el("label", {}, el("span", {}, t("task.target")), target), gridsBox,
    el("label", {}, el("span", {}, t("task.items_from")), itemsFrom), namesLabel,
    el("label", {}, el("span", {}, t("task.due")), el("input", { name: "due_at", type: "datetime-local", required: true, value: local })),
    el("button", { type: "submit" }, t("task.submit")),
    el("p", { class: "message", role: "status" }));
  document.querySelector("#task-side").replaceChildren(form);
  if (view.ctx.me.role !== "department") loadDecisions(decision);
}

// A joint meeting's open decisions (联席会议): one may become the task, which then names it.
async function loadDecisions(select) {
  const reply = await view.ctx.send("/v1/meetings/decisions?status=open", "GET");
  if (!reply.ok) return;
  view.decisions = reply.body.items;
  select.append(...reply.body.items.map((d) => view.ctx.el("option", { value: d.ref },
    `${gridName(d.grid_id)} · ${d.text.slice(0, 40)}`)));
}

function fromDecision(select) {
  const form = select.form;
  const d = (view.decisions || []).find((x) => x.ref === select.value);
  if (!d) return;
  const field = (name) => form.elements.namedItem(name);
  field("title").value = d.text.slice(0, 200);
  if (d.due_at) {
    const due = new Date(d.due_at);
    field("due_at").value = new Date(due.getTime() - due.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  }
  field("target").value = "grids";
  field("target").dispatchEvent(new Event("change"));
  form.querySelectorAll("input[name=grid_ids]").forEach((box) => { box.checked = box.value === d.grid_id; });
}

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  const data = new FormData(form);
  const body = {
    title: data.get("title"), instructions: data.get("instructions") || "", items_from: data.get("items_from"),
    due_at: new Date(data.get("due_at")).toISOString(),
  };
  if (data.get("target") === "grids") body.grid_ids = data.getAll("grid_ids");
  else body.area = data.get("target");
  const ref = data.get("decision");
  if (ref) [body.meeting_id, body.decision_id] = String(ref).split("/");
  if (body.items_from === "named") body.item_names = String(data.get("item_names")).split(/[\n,，、]/).map((s) => s.trim()).filter(Boolean);
  const reply = await view.ctx.send("/v1/tasks", "POST", body);
  if (!reply.ok) { view.ctx.say(form.querySelector(".message"), reply.text, false); return; }
  view.selected = reply.body.task_id;
  renderTask(reply.body, view.ctx.t("task.created"));
  loadTasks();
}
