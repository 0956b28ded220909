// The rating page a reporter opens from the link the grid sent (POST /v1/cases/{id}/rating-link):
// the link's fragment carries the case and its token, so no server ever logs them; the page shows
// what is rated and posts the reporter's 满意 / 基本满意 / 不满意 with the token.
const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.hash.slice(1));
const caseId = params.get("case") || "";
const token = params.get("token") || "";
const path = `/v1/cases/${encodeURIComponent(caseId)}/rating`;

function say(text, kind = "") {
  const box = $("#rate-message");
  box.textContent = text;
  box.className = kind;
}

function detailText(body) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) return detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
  return detail || "";
}

async function load() {
  if (!caseId || !token) return say("链接不完整，请使用网格员发送的完整链接。 This link is incomplete.", "error");
  const reply = await fetch(`${path}?${new URLSearchParams({ token })}`);
  const body = await reply.json().catch(() => ({}));
  if (!reply.ok) return say(`无法评价：${detailText(body)}`, "error");
  $("#rate-case-id").textContent = body.case_id;
  $("#rate-category").textContent = `${body.category_label} ${body.category}`;
  $("#rate-closed").textContent = body.closed_at ? new Date(body.closed_at).toLocaleString("zh-CN") : "—";
  $("#rate-result").textContent = body.result || "—";
  const choices = $("#rate-choices");
  body.choices.forEach((choice, i) => {
    const input = Object.assign(document.createElement("input"), { type: "radio", name: "rating", value: choice.code, required: true, checked: i === 0 });
    const label = document.createElement("label");
    label.append(input, ` ${choice.label}`);
    choices.append(label);
  });
  $("#rate-case").hidden = false;
  if (body.rated) {
    $("#rate-form").hidden = true;
    return say("这次办结已经评价过了，感谢您的反馈。 This closure is already rated.", "done");
  }
  say("请选择您的评价。 Choose your rating.");
}

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  const rating = form.rating.value;
  const reply = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ rating, comment: form.comment.value, token }),
  });
  const body = await reply.json().catch(() => ({}));
  if (!reply.ok) return say(`提交未成功：${detailText(body)}`, "error");
  form.hidden = true;
  say(body.reopened
    ? `已收到您的评价（${body.rating_label}）。案件已重新办理，我们会再次处理。 Your case has been reopened.`
    : `已收到您的评价（${body.rating_label}），感谢您的反馈！ Thank you.`, "done");
}

$("#rate-form").addEventListener("submit", submit);
load();
