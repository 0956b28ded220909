// 附件 (attachments) in a case's detail: the photos as thumbnails (click for the full image), the
// documents as links, and for those who may act on the case an upload control (a photo of the
// hazard, proof of rectification before closing, or a document).
// Images are fetched with the caller's token and shown as data: URLs (the dashboard's CSP allows
// 'self' and data: images only). The dashboard's helpers come in `ctx` from app.js:
// {api, el, t, time, say, reopen}.

const PURPOSES = ["evidence", "rectification", "document"];
const ACCEPT = "image/jpeg,image/png,image/webp,application/pdf";

function asDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

async function fetched(ctx, url) {
  const reply = await ctx.api(url);
  if (!reply.ok) throw new Error(`${reply.status}`);
  return reply.blob();
}

// The full image over the page; a click or Escape closes it.
async function showFull(ctx, a) {
  const { el, t } = ctx;
  const image = el("img", { alt: a.filename, id: "attachment-full-image" });
  const close = () => { overlay.remove(); document.removeEventListener("keydown", onKey); };
  const onKey = (e) => { if (e.key === "Escape") close(); };
  const overlay = el("div", { class: "attachment-overlay", id: "attachment-full", role: "dialog", onclick: close },
    image, el("p", {}, `${a.filename} · ${t(`att.p.${a.purpose}`)}${a.note ? " · " + a.note : ""}`));
  document.addEventListener("keydown", onKey);
  document.body.append(overlay);
  image.src = await asDataUrl(await fetched(ctx, a.url)).catch(() => "");
}

async function openDocument(ctx, a) {
  const blob = await fetched(ctx, a.url);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = a.filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

function item(ctx, a) {
  const { el, t, time } = ctx;
  const where = a.position ? ` · ${t("att.position")} ${a.position.lat.toFixed(5)}, ${a.position.lon.toFixed(5)}` : "";
  const taken = a.taken_at ? ` · ${t("att.taken")} ${time(a.taken_at)}` : "";
  const caption = el("figcaption", {}, `${t(`att.p.${a.purpose}`)} · ${a.uploaded_by} · ${time(a.uploaded_at)}${taken}${where}`,
    a.note ? el("span", { class: "note" }, ` · ${a.note}`) : "");
  if (a.thumbnail_url) {
    const thumb = el("img", { class: "attachment-thumb", alt: a.filename, title: t("att.full") });
    fetched(ctx, a.thumbnail_url).then(asDataUrl).then((src) => { thumb.src = src; }).catch(() => { thumb.alt = `${a.filename} (${t("att.unavailable")})`; });
    return el("figure", { class: "attachment", "data-attachment-id": a.attachment_id, "data-purpose": a.purpose },
      el("button", { type: "button", class: "attachment-open", onclick: () => showFull(ctx, a) }, thumb), caption);
  }
  return el("figure", { class: "attachment document", "data-attachment-id": a.attachment_id, "data-purpose": a.purpose },
    el("button", { type: "button", class: "attachment-open", onclick: () => openDocument(ctx, a).catch(() => {}) }, `📄 ${a.filename}`), caption);
}

function uploadForm(ctx, c) {
  const { el, t, say, api } = ctx;
  const message = el("p", { class: "message", role: "status", id: "attachment-message" });
  const file = el("input", { type: "file", name: "file", accept: ACCEPT, required: true, id: "attachment-file" });
  const purpose = el("select", { name: "purpose", id: "attachment-purpose" },
    ...PURPOSES.map((p) => el("option", { value: p }, t(`att.p.${p}`))));
  const note = el("input", { name: "note", maxLength: 500, placeholder: t("att.note"), autocomplete: "off", id: "attachment-note" });
  const button = el("button", { type: "submit", id: "attachment-upload" }, t("att.upload"));
  const form = el("form", { class: "attachment-form", id: "attachment-form" },
    el("label", {}, el("span", {}, t("att.file")), file), el("label", {}, el("span", {}, t("att.purpose")), purpose),
    note, button, message);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!file.files.length) return;
    const body = new FormData();
    body.append("file", file.files[0]);
    body.append("purpose", purpose.value);
    if (note.value.trim()) body.append("note", note.value.trim());
    button.disabled = true;
    say(message, t("att.sending"), true);
    const reply = await api(`/v1/cases/${encodeURIComponent(c.case_id)}/attachments`, { method: "POST", body });
    button.disabled = false;
    if (!reply.ok) {
      const answer = await reply.json().catch(() => ({}));
      const detail = Array.isArray(answer.detail) ? answer.detail.map((d) => d.msg).join("; ") : answer.detail;
      say(message, `${t("att.refused")} (${reply.status}): ${detail || reply.statusText}`, false);
      return;
    }
    await ctx.reopen(c.case_id);
  });
  return form;
}

// The section of a case's detail; `mayAdd`: the caller may act on the case.
export function attachmentsSection(c, ctx, mayAdd) {
  const { el, t } = ctx;
  const files = c.attachments || [];
  const list = files.length ? el("div", { class: "attachments-list" }, ...files.map((a) => item(ctx, a)))
    : el("p", { class: "hint" }, t("att.none"));
  return el("section", { class: "attachments", id: "attachments" },
    el("h3", {}, t("att.title"), " ", el("small", {}, files.length ? `(${files.length})` : "")), list,
    mayAdd ? uploadForm(ctx, c) : "");
}
