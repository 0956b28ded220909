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
  },
};

export const STATUS = {
  reported: ["已上报", "reported"], accepted: ["已受理", "accepted"], escalated: ["已上报上级", "escalated"],
  assessed: ["已研判", "assessed"], handed_over: ["已移交", "handed over"], result_reported: ["已反馈结果", "result reported"],
  resolved: ["已就地化解", "resolved"], closed: ["已结案", "closed"], reopened: ["已重启", "reopened"],
};
export const LEVEL = {
  grid: ["网格", "grid"], community: ["社区", "community"], street: ["街道", "street"], department: ["部门", "department"],
};
export const ACTION = {
  accept: ["受理", "Accept"], resolve_on_site: ["就地化解", "Resolve on site"], escalate: ["上报", "Escalate"],
  assess: ["分析研判", "Assess"], hand_over: ["分级移交", "Hand over"], report_result: ["办理反馈", "Report result"],
  close: ["结案", "Close"], feedback: ["群众评价", "Feedback"], reopen: ["重启", "Reopen"],
};
// Timeline steps: the actions, plus what fusion records on its own.
export const STEP = {
  ...ACTION, reported: ["上报事件", "reported"], correlated: ["关联事件", "correlated"], overdue: ["超期", "overdue"],
};
export const ORDER_STATUS = {
  placed: ["已下单", "placed"], dispatched: ["已派单", "dispatched"], taken: ["已接单", "taken"],
  completed: ["已完成", "completed"], rated: ["已评价", "rated"], cancelled: ["已取消", "cancelled"],
};
export const ORDER_ACTION = {
  dispatch: ["派单", "Dispatch"], take: ["接单", "Take"], complete: ["完成", "Complete"], rate: ["评价", "Rate"],
  cancel: ["取消", "Cancel"],
};
export const DEPARTMENTS = {
  comprehensive_governance: ["综治", "Comprehensive governance"], petition: ["信访", "Petitions"],
  legal_aid: ["法律援助", "Legal aid"], police_assistant: ["网格警务助理", "Police assistant"],
  civil_affairs: ["民政", "Civil affairs"],
};

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
