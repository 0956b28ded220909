// Chinese first, English on request. Keys are looked up in the current language, then Chinese.
export const STRINGS = {
  zh: {
    title: "多网融合 · 网格指挥中心",
    "nav.cases": "地图与案件", "nav.report": "一周一报",
    "live.on": "实时：已连接", "live.off": "实时：未连接",
    logout: "退出", lang: "English",
    "login.title": "登录", "login.username": "账号", "login.password": "密码", "login.submit": "登录",
    "login.failed": "账号或密码错误",
    "login.hint": "演示账号：admin、street-<街道>、community-<社区>、sec-<网格>、worker-<网格>、dept-<部门>",
    "map.title": "网格地图", "map.legend": "在办案件", "map.grids": "个网格",
    "cases.title": "案件", "f.grid": "网格", "f.status": "状态", "f.department": "部门", "f.category": "类别",
    "f.all": "全部", "f.apply": "筛选",
    "c.case": "案件", "c.grid": "网格", "c.category": "类别", "c.status": "状态", "c.level": "层级", "c.due": "期限",
    "d.summary": "概要", "d.departments": "涉及部门", "d.opened": "立案", "d.due": "期限", "d.closed": "结案",
    "d.risk": "风险等级", "d.handed": "移交部门", "d.rating": "评价", "d.events": "事件", "d.timeline": "办理过程",
    "d.actions": "可执行操作", "d.note": "备注", "d.result": "办理结果", "d.close": "关闭",
    "a.done": "已提交", "a.failed": "操作被拒绝",
    "r.week": "周", "r.scope": "范围", "r.show": "生成周报", "r.print": "打印",
    "r.events": "事件", "r.opened": "新立案件", "r.closed": "办结", "r.rate": "办结率", "r.overdue": "超期",
    "r.escalated": "升级", "r.median": "办结用时中位数(小时)", "r.orders": "完成服务单", "r.patrol": "巡查时长(小时)",
    "scope.county": "全县",
    "live.case": "案件更新",
    "nav.orders": "服务单", "o.title": "居民点单 · 支部下单 · 党员接单", "o.name": "姓名", "o.phone": "电话",
    "o.workplace": "工作单位", "o.register": "到网格报到", "o.kind": "类型", "o.titlefield": "需求", "o.address": "地址",
    "o.place": "下单", "o.order": "服务单", "o.contact": "联系人", "o.member": "党员", "o.hours": "时长",
    "o.registered": "已报到", "o.pick": "选择党员",
    "nav.accounts": "账号管理",
    "login.refused": "登录被拒绝", "login.retry": "请在 {s} 秒后重试", "login.offline": "无法连接平台，请稍后重试",
    "login.or": "或", "login.sso": "使用{name}登录", "login.sso_failed": "统一身份认证登录失败",
    "session.ended": "登录已失效，请重新登录", "session.expired": "登录已过期，请重新登录",
    "pw.change": "修改密码", "pw.title": "修改密码", "pw.forced": "您使用的是一次性密码。请先设置自己的新密码，然后才能继续使用。",
    "pw.old": "原密码", "pw.old_once": "一次性密码", "pw.new": "新密码", "pw.repeat": "再次输入新密码",
    "pw.rule": "至少 10 个字符，不能包含账号名；建议用几个不相关的词语组成一句话。",
    "pw.submit": "确认修改", "pw.cancel": "取消", "pw.mismatch": "两次输入的新密码不一致",
    "pw.refused": "新密码未被接受", "pw.done": "密码已修改，其他设备上的登录均已退出",
    "acc.title": "账号管理", "acc.username": "账号", "acc.display": "显示名称", "acc.role": "角色", "acc.scope": "范围",
    "acc.state": "状态", "acc.active": "启用", "acc.disabled": "已停用", "acc.mustchange": "待修改一次性密码",
    "acc.lastlogin": "最近登录", "acc.never": "从未登录", "acc.new": "新建账号", "acc.password": "密码（可选）",
    "acc.passwordhint": "留空则生成一次性密码，账号持有人首次登录时必须修改。",
    "acc.submit": "创建账号", "acc.created": "已创建账号", "acc.edit": "编辑", "acc.save": "保存修改", "acc.saved": "已保存",
    "acc.disable": "停用", "acc.enable": "启用", "acc.reset": "重置密码", "acc.confirm": "再点一次确认",
    "acc.disabled_done": "账号已停用，其登录已全部失效", "acc.enabled_done": "账号已启用",
    "acc.otp.title": "一次性密码", "acc.otp.for": "账号",
    "acc.otp.note": "只显示这一次：请当面或通过安全渠道告知账号持有人，首次登录时必须修改。",
    "acc.copy": "复制", "acc.copied": "已复制", "acc.otp.done": "我已记下",
    "acc.place.street": "街道", "acc.place.community": "社区", "acc.place.grid": "网格", "acc.place.department": "部门",
    "acc.place.none": "县级管理员无需范围", "acc.none": "没有符合条件的账号",
    "acc.created_at": "创建", "acc.changed_at": "最近修改", "acc.source": "登录方式", "acc.self": "本人",
    "acc.scopechange": "修改角色或范围会立即让该账号的所有登录失效。",
    "source.password": "账号密码", "source.oidc": "统一身份认证",
  },
  en: {
    title: "Gridfusion · grid command centre",
    "nav.cases": "Map & cases", "nav.report": "Weekly report",
    "live.on": "Live: connected", "live.off": "Live: offline",
    logout: "Log out", lang: "中文",
    "login.title": "Log in", "login.username": "Account", "login.password": "Password", "login.submit": "Log in",
    "login.failed": "Wrong account or password",
    "login.hint": "Demo accounts: admin, street-<street>, community-<community>, sec-<grid>, worker-<grid>, dept-<department>",
    "map.title": "Grid map", "map.legend": "Open cases", "map.grids": "grids",
    "cases.title": "Cases", "f.grid": "Grid", "f.status": "Status", "f.department": "Department", "f.category": "Category",
    "f.all": "All", "f.apply": "Filter",
    "c.case": "Case", "c.grid": "Grid", "c.category": "Category", "c.status": "Status", "c.level": "Level", "c.due": "Due",
    "d.summary": "Summary", "d.departments": "Departments", "d.opened": "Opened", "d.due": "Due", "d.closed": "Closed",
    "d.risk": "Risk level", "d.handed": "Handed to", "d.rating": "Rating", "d.events": "Events", "d.timeline": "Timeline",
    "d.actions": "Actions", "d.note": "Note", "d.result": "Result", "d.close": "Close",
    "a.done": "Done", "a.failed": "Refused",
    "r.week": "Week", "r.scope": "Scope", "r.show": "Show report", "r.print": "Print",
    "r.events": "Events", "r.opened": "Cases opened", "r.closed": "Closed", "r.rate": "Closure rate", "r.overdue": "Overdue",
    "r.escalated": "Escalated", "r.median": "Median hours to close", "r.orders": "Orders completed", "r.patrol": "Patrol hours",
    "scope.county": "County",
    "live.case": "Case update",
    "nav.orders": "Service orders", "o.title": "Residents order · the branch dispatches · party members serve",
    "o.name": "Name", "o.phone": "Phone", "o.workplace": "Workplace", "o.register": "Register to my grid", "o.kind": "Kind",
    "o.titlefield": "Request", "o.address": "Address", "o.place": "Place order", "o.order": "Order", "o.contact": "Contact",
    "o.member": "Member", "o.hours": "Hours", "o.registered": "Registered", "o.pick": "Choose a member",
    "nav.accounts": "Accounts",
    "login.refused": "Sign-in refused", "login.retry": "try again in {s} s", "login.offline": "Cannot reach the platform; try again shortly",
    "login.or": "or", "login.sso": "Sign in with {name}", "login.sso_failed": "Single sign-on failed",
    "session.ended": "Your session has ended; please sign in again", "session.expired": "Your session has expired; please sign in again",
    "pw.change": "Change password", "pw.title": "Change password",
    "pw.forced": "You signed in with a one-time password. Choose your own password before you continue.",
    "pw.old": "Current password", "pw.old_once": "One-time password", "pw.new": "New password", "pw.repeat": "New password again",
    "pw.rule": "At least 10 characters, not containing your account name; a phrase of unrelated words works well.",
    "pw.submit": "Change password", "pw.cancel": "Cancel", "pw.mismatch": "The two new passwords differ",
    "pw.refused": "New password refused", "pw.done": "Password changed; your sessions elsewhere have been signed out",
    "acc.title": "Accounts", "acc.username": "Account", "acc.display": "Display name", "acc.role": "Role", "acc.scope": "Scope",
    "acc.state": "Status", "acc.active": "Active", "acc.disabled": "Disabled", "acc.mustchange": "One-time password not changed yet",
    "acc.lastlogin": "Last sign-in", "acc.never": "never", "acc.new": "New account", "acc.password": "Password (optional)",
    "acc.passwordhint": "Leave empty for a one-time password that the holder must change at first sign-in.",
    "acc.submit": "Create account", "acc.created": "Account created", "acc.edit": "Edit", "acc.save": "Save changes", "acc.saved": "Saved",
    "acc.disable": "Disable", "acc.enable": "Enable", "acc.reset": "Reset password", "acc.confirm": "Click again to confirm",
    "acc.disabled_done": "Account disabled; all its sessions have ended", "acc.enabled_done": "Account enabled",
    "acc.otp.title": "One-time password", "acc.otp.for": "account",
    "acc.otp.note": "Shown this once: give it to the holder in person or over a safe channel; it must be changed at first sign-in.",
    "acc.copy": "Copy", "acc.copied": "Copied", "acc.otp.done": "Done",
    "acc.place.street": "Street", "acc.place.community": "Community", "acc.place.grid": "Grid", "acc.place.department": "Department",
    "acc.place.none": "A county administrator needs no scope", "acc.none": "No accounts match",
    "acc.created_at": "Created", "acc.changed_at": "Last changed", "acc.source": "Signs in with", "acc.self": "you",
    "acc.scopechange": "Changing the role or scope ends all of the account's sessions at once.",
    "source.password": "password", "source.oidc": "single sign-on",
  },
};

// The contract's words (departments, statuses, levels, actions, roles, order statuses): filled from
// GET /v1/vocabulary by loadVocabulary() before the first page is drawn, each as code → [zh, en].
export const STATUS = {};
export const LEVEL = {};
export const ACTION = {};
export const ROLE = {};
export const DEPARTMENTS = {};
export const ORDER_STATUS = {};
export const RISK = {};
// Timeline steps: the actions, plus what fusion records on its own.
export const STEP = {
  reported: ["上报事件", "reported"], correlated: ["关联事件", "correlated"], overdue: ["超期", "overdue"],
};
export const ORDER_ACTION = {
  dispatch: ["派单", "Dispatch"], take: ["接单", "Take"], complete: ["完成", "Complete"], rate: ["评价", "Rate"],
  cancel: ["取消", "Cancel"],
};

const TABLES = {
  case_statuses: STATUS, levels: LEVEL, actions: ACTION, roles: ROLE, departments: DEPARTMENTS,
  order_statuses: ORDER_STATUS, risk_levels: RISK,
};

export async function loadVocabulary() {
  const reply = await fetch("/v1/vocabulary");
  if (!reply.ok) throw new Error(`vocabulary: ${reply.status}`);
  const answer = await reply.json();
  for (const [name, target] of Object.entries(TABLES)) {
    for (const word of answer[name] || []) target[word.code] = [word.label, word.label_en];
  }
  for (const [code, pair] of Object.entries(ACTION)) if (!(code in STEP)) STEP[code] = pair;
}

let lang = localStorage.getItem("gridfusion.lang") || "zh";

export function currentLang() { return lang; }

export function setLang(next) {
  lang = next;
  localStorage.setItem("gridfusion.lang", next);
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
}

export function t(key) {
  return (STRINGS[lang] && STRINGS[lang][key]) || STRINGS.zh[key] || key;
}

export function label(table, key) {
  const pair = table[key];
  if (!pair) return key || "";
  return lang === "zh" ? pair[0] : pair[1];
}

export function translatePage(root = document) {
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
}
