// 信息采集 (information collection): a grid's secretary and workers propose adding or correcting
// households, residents and special-population records of their grid and follow each proposal's
// status; the community reviews its grids' queue (accept, or reject with a reason). Everything
// comes from /v1/register/proposals, /v1/register/records and /v1/grids/{grid_id}/residents; the
// gateway masks people for every role but the grid's own staff.
import { t } from "./i18n.js";

const GRID_STAFF = new Set(["secretary", "worker"]);
const FIELDS = {
  household: ["household_id", "address", "lon", "lat", "residents", "compound_id", "head_name", "head_phone", "head_id_number"],
  resident: ["household_id", "name", "id_number", "phone"],
  special_population: ["resident_id", "kind", "responsible_name", "responsible_phone", "note"],
};
const NUMBERS = new Set(["lon", "lat", "residents"]);
// What a row of the list says the record is: its address, or the person's name.
const SUMMARY = {
  household: (d) => `${d.address || ""} · ${d.head_name || ""} · ${d.residents ?? ""}${t("ic.people")}`,
  resident: (d) => `${d.name} · ${d.id_number} · ${d.household_id}`,
  special_population: (d) => `${t(`ic.sp.${d.kind}`)} · ${d.resident_name || d.resident_id} · ${t("ic.f.responsible_name")} ${d.responsible_name}`,
};

const view = { page: 1, pageSize: 20, base: 0, ctx: null, wired: false };
const $ = (sel) => document.querySelector(sel);

export async function openCollection(ctx) {
  view.ctx = ctx;
  const staff = GRID_STAFF.has(ctx.me.role);
  $("#collection-form").hidden = !staff;
  $("#collection-people").hidden = !staff;
  if (!view.wired) wire();
  showKind();
  await Promise.all([loadProposals(), staff ? loadPeople() : null]);
}

function wire() {
  view.wired = true;
  $("#collection-filter").addEventListener("submit", (e) => { e.preventDefault(); view.page = 1; loadProposals(); });
  $("#collection-prev").addEventListener("click", () => { if (view.page > 1) { view.page -= 1; loadProposals(); } });
  $("#collection-next").addEventListener("click", () => { view.page += 1; loadProposals(); });
  const form = $("#collection-form");
  form.kind.addEventListener("change", showKind);
  form.action.addEventListener("change", showKind);
  $("#collection-read").addEventListener("click", readRecord);
  form.addEventListener("submit", propose);
  $("#collection-people-kind").addEventListener("change", loadPeople);
}

function showKind() {
  const form = $("#collection-form");
  const kind = form.kind.value;
  for (const group of form.querySelectorAll("fieldset[data-kind]")) group.hidden = group.dataset.kind !== kind;
  const correcting = form.action.value === "correct";
  form.record_id.closest("label").hidden = !correcting;
  $("#collection-read").hidden = !correcting;
  if (!correcting) view.base = 0;
  $("#collection-base").textContent = correcting && view.base ? `${t("ic.version")} ${view.base}` : "";
}

async function readRecord() {
  const form = $("#collection-form");
  const message = $("#collection-form-message");
  const kind = form.kind.value;
  const id = form.record_id.value.trim();
  if (!id) { message.textContent = t("ic.need_id"); return; }
  try {
    const record = await view.ctx.json(`/v1/register/records/${kind}/${encodeURIComponent(id)}`);
    view.base = record.version;
    const group = form.querySelector(`fieldset[data-kind="${kind}"]`);
    for (const name of FIELDS[kind]) {
      const input = group.querySelector(`[name="${kind}.${name}"]`);
      if (input && record.data[name] !== undefined) input.value = record.data[name];
    }
    message.textContent = `${t("ic.read")} ${record.record_id} · ${t("ic.version")} ${record.version}`;
    showKind();
  } catch (err) {
    view.base = 0;
    message.textContent = `${t("a.failed")} (${err.status || ""}): ${err.message}`;
  }
}

async function propose(event) {
  event.preventDefault();
  const form = event.target;
  const kind = form.kind.value;
  const action = form.action.value;
  const group = form.querySelector(`fieldset[data-kind="${kind}"]`);
  const part = {};
  for (const name of FIELDS[kind]) {
    const input = group.querySelector(`[name="${kind}.${name}"]`);
    if (!input) continue;
    const value = input.value.trim();
    if (NUMBERS.has(name)) { if (value !== "") part[name] = Number(value); } else if (value !== "") part[name] = value;
  }
  const body = { action, kind, [kind]: part, note: form.why.value.trim() };
  if (action === "correct") Object.assign(body, { record_id: form.record_id.value.trim(), base_version: view.base });
  const answer = await view.ctx.send("/v1/register/proposals", "POST", body);
  const message = $("#collection-form-message");
  message.textContent = answer.ok ? `${t("ic.sent")} ${answer.body.proposal_id}` : answer.text;
  message.className = answer.ok ? "message ok" : "message error";
  if (answer.ok) { view.page = 1; loadProposals(); }
}

async function loadProposals() {
  const filter = $("#collection-filter");
  const params = new URLSearchParams({ page: view.page, page_size: view.pageSize });
  if (filter.status.value) params.set("status", filter.status.value);
  if (filter.kind.value) params.set("kind", filter.kind.value);
  const message = $("#collection-message");
  let body;
  try {
    body = await view.ctx.json(`/v1/register/proposals?${params}`);
  } catch (err) {
    message.textContent = `${t("a.failed")} (${err.status || ""}): ${err.message}`;
    $("#proposals tbody").replaceChildren();
    return;
  }
  message.textContent = "";
  const reviewer = view.ctx.me.role === "community";
  $("#proposals tbody").replaceChildren(...body.items.map((p) => proposalRow(p, reviewer)));
  const pages = Math.max(1, Math.ceil(body.total / view.pageSize));
  $("#collection-page").textContent = `${view.page} / ${pages} · ${body.total}`;
  $("#collection-prev").disabled = view.page <= 1;
  $("#collection-next").disabled = view.page >= pages;
}

function proposalRow(p, reviewer) {
  const { el, time, gridName } = view.ctx;
  const what = el("td", { class: "what" }, SUMMARY[p.kind](p.proposed.data));
  if (p.before) what.append(el("div", { class: "hint" }, `${t("ic.before")}: ${SUMMARY[p.kind](p.before.data)}`));
  if (p.note) what.append(el("div", { class: "hint" }, `${t("ic.note")}: ${p.note}`));
  const state = el("td", { class: `status-${p.status}` }, t(`ic.s.${p.status}`));
  if (p.reason) state.append(el("div", { class: "hint" }, p.reason));
  if (p.reference_version) state.append(el("div", { class: "hint" }, `${t("ic.refversion")} ${p.reference_version}`));
  const actions = el("td", { class: "review-cell" });
  if (reviewer && p.status === "pending") {
    const note = el("p", { class: "message", role: "status" });
    const reason = el("input", { name: "reason", placeholder: t("ic.reason"), maxLength: 500 });
    const decide = async (path, body) => {
      const answer = await view.ctx.send(`/v1/register/proposals/${encodeURIComponent(p.proposal_id)}:${path}`, "POST", body);
      if (answer.ok) loadProposals(); else note.textContent = answer.text;
    };
    actions.append(
      el("button", { type: "button", class: "accept", onclick: () => decide("accept") }, t("ic.accept")),
      reason,
      el("button", { type: "button", class: "reject", onclick: () => {
        if (!reason.value.trim()) { note.textContent = t("ic.reason_needed"); return; }
        decide("reject", { reason: reason.value.trim() });
      } }, t("ic.reject")),
      note,
    );
  }
  return el("tr", { "data-proposal": p.proposal_id },
    el("td", {}, p.proposal_id), el("td", {}, `${t(`ic.k.${p.kind}`)} · ${t(`ic.a.${p.action}`)}`),
    el("td", {}, gridName(p.grid_id)), what, state,
    el("td", {}, p.proposed_by, el("div", { class: "hint" }, time(p.proposed_at))), actions);
}

async function loadPeople() {
  const gridId = view.ctx.me.scope.grid_id;
  const kind = $("#collection-people-kind").value;
  const tbody = $("#collection-people tbody");
  try {
    const body = await view.ctx.json(`/v1/grids/${encodeURIComponent(gridId)}/residents?kind=${kind}&page_size=100`);
    const { el } = view.ctx;
    // A row starts a correction of its record, from the version it is at.
    const correct = (r) => {
      const form = $("#collection-form");
      form.kind.value = r.kind;
      form.action.value = "correct";
      form.record_id.value = r.record_id;
      showKind();
      readRecord();
    };
    tbody.replaceChildren(...body.items.map((r) => el("tr", { class: "pick", title: t("ic.correct_this"), onclick: () => correct(r) },
      el("td", {}, r.record_id), el("td", {}, SUMMARY[r.kind](r.data)), el("td", {}, String(r.version)))));
  } catch (err) {
    tbody.replaceChildren(view.ctx.el("tr", {}, view.ctx.el("td", { colSpan: 3 }, `${t("a.failed")}: ${err.message}`)));
  }
}
