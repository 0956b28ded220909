// Every string of the dashboard: key → [Chinese, English]. Chinese first, English on request; a key
// without English shows its Chinese.
export const STRINGS = {
  title: ["多网融合 · 网格指挥中心", "Gridfusion · grid command centre"],
  "nav.cases": ["地图与案件", "Map & cases"],
  "nav.report": ["一周一报", "Weekly report"],
  "live.on": ["实时：已连接", "Live: connected"],
  "live.off": ["实时：未连接", "Live: offline"],
  logout: ["退出", "Log out"],
  lang: ["English", "中文"],
  "login.title": ["登录", "Log in"],
  "login.username": ["账号", "Account"],
  "login.password": ["密码", "Password"],
  "login.submit": ["登录", "Log in"],
  "login.failed": ["账号或密码错误", "Wrong account or password"],
  "login.hint": ["演示账号：admin、street-<街道>、community-<社区>、sec-<网格>、worker-<网格>、dept-<部门>", "Demo accounts: admin, street-<street>, community-<community>, sec-<grid>, worker-<grid>, dept-<department>"],
  "map.title": ["网格地图", "Grid map"],
  "map.legend": ["在办案件", "Open cases"],
  "map.grids": ["个网格", "grids"],
  "cases.title": ["案件", "Cases"],
  "f.grid": ["网格", "Grid"],
  "f.status": ["状态", "Status"],
  "f.department": ["部门", "Department"],
  "f.category": ["类别", "Category"],
  "f.all": ["全部", "All"],
  "f.apply": ["筛选", "Filter"],
  "c.case": ["案件", "Case"],
  "c.grid": ["网格", "Grid"],
  "c.category": ["类别", "Category"],
  "c.status": ["状态", "Status"],
  "c.level": ["层级", "Level"],
  "c.due": ["期限", "Due"],
  "d.summary": ["概要", "Summary"],
  "d.departments": ["涉及部门", "Departments"],
  "d.opened": ["立案", "Opened"],
  "d.due": ["期限", "Due"],
  "d.closed": ["结案", "Closed"],
  "d.risk": ["风险等级", "Risk level"],
  "d.handed": ["移交部门", "Handed to"],
  "d.rating": ["评价", "Rating"],
  "d.events": ["事件", "Events"],
  "d.timeline": ["办理过程", "Timeline"],
  "d.actions": ["可执行操作", "Actions"],
  "d.note": ["备注", "Note"],
  "d.result": ["办理结果", "Result"],
  "d.close": ["关闭", "Close"],
  "d.duplicates": ["疑似重复", "Possible duplicates"],
  "d.merge_into": ["合并到此案件", "Merge into this"],
  "d.merge_confirm": ["将案件 {from} 合并到案件 {into}？{from} 的事件移入 {into}，{from} 标记为已合并。", "Merge case {from} into case {into}? The events of {from} move to {into}; {from} becomes merged."],
  "d.merged_into": ["已合并到", "Merged into"],
  "d.merged_from": ["合并自", "Merged from"],
  "d.split_from": ["拆分自", "Split from"],
  "d.split": ["拆分所选", "Split selected"],
  "d.split_hint": ["勾选要拆分为新案件的事件（至少保留一件）", "Tick the events to move to a new case (at least one stays)"],
  "d.from": ["来自", "from"],
  "a.done": ["已提交", "Done"],
  "a.failed": ["操作被拒绝", "Refused"],
  "r.week": ["周", "Week"],
  "r.scope": ["范围", "Scope"],
  "r.show": ["生成周报", "Show report"],
  "r.print": ["打印", "Print"],
  "r.events": ["事件", "Events"],
  "r.opened": ["新立案件", "Cases opened"],
  "r.closed": ["办结", "Closed"],
  "r.rate": ["办结率", "Closure rate"],
  "r.overdue": ["超期", "Overdue"],
  "r.escalated": ["升级", "Escalated"],
  "r.median": ["办结用时中位数(小时)", "Median hours to close"],
  "r.orders": ["完成服务单", "Orders completed"],
  "r.patrol": ["巡查时长(小时)", "Patrol hours"],
  "scope.county": ["全县", "County"],
  "live.case": ["案件更新", "Case update"],
  "nav.orders": ["服务单", "Service orders"],
  "o.title": ["居民点单 · 支部下单 · 党员接单", "Residents order · the branch dispatches · party members serve"],
  "o.name": ["姓名", "Name"],
  "o.phone": ["电话", "Phone"],
  "o.workplace": ["工作单位", "Workplace"],
  "o.register": ["到网格报到", "Register to my grid"],
  "o.kind": ["类型", "Kind"],
  "o.titlefield": ["需求", "Request"],
  "o.address": ["地址", "Address"],
  "o.place": ["下单", "Place order"],
  "o.order": ["服务单", "Order"],
  "o.contact": ["联系人", "Contact"],
  "o.member": ["党员", "Member"],
  "o.hours": ["时长", "Hours"],
  "o.registered": ["已报到", "Registered"],
  "o.pick": ["选择党员", "Choose a member"],
  "nav.accounts": ["账号管理", "Accounts"],
  "login.refused": ["登录被拒绝", "Sign-in refused"],
  "login.retry": ["请在 {s} 秒后重试", "try again in {s} s"],
  "login.offline": ["无法连接平台，请稍后重试", "Cannot reach the platform; try again shortly"],
  "login.or": ["或", "or"],
  "login.sso": ["使用{name}登录", "Sign in with {name}"],
  "login.sso_failed": ["统一身份认证登录失败", "Single sign-on failed"],
  "session.ended": ["登录已失效，请重新登录", "Your session has ended; please sign in again"],
  "session.expired": ["登录已过期，请重新登录", "Your session has expired; please sign in again"],
  "pw.change": ["修改密码", "Change password"],
  "pw.title": ["修改密码", "Change password"],
  "pw.forced": ["您使用的是一次性密码。请先设置自己的新密码，然后才能继续使用。", "You signed in with a one-time password. Choose your own password before you continue."],
  "pw.old": ["原密码", "Current password"],
  "pw.old_once": ["一次性密码", "One-time password"],
  "pw.new": ["新密码", "New password"],
  "pw.repeat": ["再次输入新密码", "New password again"],
  "pw.rule": ["至少 10 个字符，不能包含账号名；建议用几个不相关的词语组成一句话。", "At least 10 characters, not containing your account name; a phrase of unrelated words works well."],
  "pw.submit": ["确认修改", "Change password"],
  "pw.cancel": ["取消", "Cancel"],
  "pw.mismatch": ["两次输入的新密码不一致", "The two new passwords differ"],
  "pw.refused": ["新密码未被接受", "New password refused"],
  "pw.done": ["密码已修改，其他设备上的登录均已退出", "Password changed; your sessions elsewhere have been signed out"],
  "acc.title": ["账号管理", "Accounts"],
  "acc.username": ["账号", "Account"],
  "acc.display": ["显示名称", "Display name"],
  "acc.role": ["角色", "Role"],
  "acc.scope": ["范围", "Scope"],
  "acc.state": ["状态", "Status"],
  "acc.active": ["启用", "Active"],
  "acc.disabled": ["已停用", "Disabled"],
  "acc.mustchange": ["待修改一次性密码", "One-time password not changed yet"],
  "acc.lastlogin": ["最近登录", "Last sign-in"],
  "acc.never": ["从未登录", "never"],
  "acc.new": ["新建账号", "New account"],
  "acc.password": ["密码（可选）", "Password (optional)"],
  "acc.passwordhint": ["留空则生成一次性密码，账号持有人首次登录时必须修改。", "Leave empty for a one-time password that the holder must change at first sign-in."],
  "acc.submit": ["创建账号", "Create account"],
  "acc.created": ["已创建账号", "Account created"],
  "acc.edit": ["编辑", "Edit"],
  "acc.save": ["保存修改", "Save changes"],
  "acc.saved": ["已保存", "Saved"],
  "acc.disable": ["停用", "Disable"],
  "acc.enable": ["启用", "Enable"],
  "acc.reset": ["重置密码", "Reset password"],
  "acc.confirm": ["再点一次确认", "Click again to confirm"],
  "acc.disabled_done": ["账号已停用，其登录已全部失效", "Account disabled; all its sessions have ended"],
  "acc.enabled_done": ["账号已启用", "Account enabled"],
  "acc.otp.title": ["一次性密码", "One-time password"],
  "acc.otp.for": ["账号", "account"],
  "acc.otp.note": ["只显示这一次：请当面或通过安全渠道告知账号持有人，首次登录时必须修改。", "Shown this once: give it to the holder in person or over a safe channel; it must be changed at first sign-in."],
  "acc.copy": ["复制", "Copy"],
  "acc.copied": ["已复制", "Copied"],
  "acc.otp.done": ["我已记下", "Done"],
  "acc.place.street": ["街道", "Street"],
  "acc.place.community": ["社区", "Community"],
  "acc.place.grid": ["网格", "Grid"],
  "acc.place.department": ["部门", "Department"],
  "acc.place.none": ["县级管理员无需范围", "A county administrator needs no scope"],
  "acc.none": ["没有符合条件的账号", "No accounts match"],
  "acc.created_at": ["创建", "Created"],
  "acc.changed_at": ["最近修改", "Last changed"],
  "acc.source": ["登录方式", "Signs in with"],
  "acc.self": ["本人", "you"],
  "acc.scopechange": ["修改角色或范围会立即让该账号的所有登录失效。", "Changing the role or scope ends all of the account's sessions at once."],
  "nav.party": ["党组织", "Party organisation"],
  "party.title": ["党建引领 · 党组织", "Party organisation"],
  "party.count": ["个组织", "organisations"],
  "party.expand": ["全部展开", "Expand all"],
  "party.collapse": ["全部收起", "Collapse all"],
  "party.toggle": ["展开或收起下级组织", "Show or hide the organisations below"],
  "party.members": ["党员 {n} 名", "{n} party members"],
  "party.vacant": ["职务空缺", "No posts held"],
  "party.none": ["您的范围内没有党组织", "No party organisations in your area"],
  "party.updated": ["维护", "kept by"],
  "party.edit": ["编辑职务", "Edit posts"],
  "party.add_group": ["添加党小组", "Add a party group"],
  "party.post": ["职务", "Post"],
  "party.name": ["姓名", "Name"],
  "party.phone": ["电话", "Phone"],
  "party.add_row": ["添加一人", "Add a person"],
  "party.remove_row": ["移除", "Remove"],
  "party.save": ["保存职务", "Save posts"],
  "party.cancel": ["取消", "Cancel"],
  "party.saved": ["职务已保存", "Posts saved"],
  "party.masked": ["电话已隐藏（仅本网格工作人员可见）：原样保存即保留原号码，填写新号码则替换，留空则不登记电话。", "Phones are hidden from you (only the grid's own staff see them): saved as shown, a number is kept; a new number replaces it; left empty, none is kept."],
  "party.group_name": ["党小组名称", "Group name"],
  "party.group_placeholder": ["如：3号楼党小组", "e.g. 3号楼党小组"],
  "party.group_submit": ["添加", "Add"],
  "party.group_added": ["已添加党小组", "Party group added"],
  "nav.meetings": ["联席会议", "Joint meetings"],
  "mtg.title": ["联席会议", "Joint meetings"],
  "mtg.count": ["次会议", "meetings"],
  "mtg.s.planned": ["待召开", "planned"],
  "mtg.s.held": ["已召开", "held"],
  "mtg.new": ["安排会议", "Plan a meeting"],
  "mtg.meeting": ["会议", "Meeting"],
  "mtg.when": ["时间", "Starts"],
  "mtg.place": ["地点", "Place"],
  "mtg.agenda": ["议程", "Agenda"],
  "mtg.decisions": ["决定", "Decisions"],
  "mtg.invitees": ["参会方", "Invited"],
  "mtg.convened": ["召集", "Convened by"],
  "mtg.held": ["召开", "Held"],
  "mtg.minutes": ["会议纪要", "Minutes"],
  "mtg.attendees": ["出席", "Attended"],
  "mtg.attendees_other": ["其他出席（用、或逗号分隔）", "Others who came (separated by commas)"],
  "mtg.name": ["会议名称", "Title"],
  "mtg.suggestions": ["可上会事项：本网格在办案件、居民点单", "To take up: the grid's open cases and residents' orders"],
  "mtg.no_suggestions": ["本网格暂无在办案件或待接的居民点单", "The grid has no open cases or untaken residents' orders"],
  "mtg.topic": ["其他议题", "Other topic"],
  "mtg.topic_placeholder": ["如：冬季供暖", "e.g. winter heating"],
  "mtg.name_placeholder": ["如：十二月联席会议", "e.g. December joint meeting"],
  "mtg.place_placeholder": ["如：党群服务站", "e.g. the party-mass service station"],
  "mtg.add_topic": ["添加议题", "Add topic"],
  "mtg.followups_note": ["往期会议未办结的决定自动列入议程，逐项跟进。", "Open decisions of the grid's earlier meetings join the agenda by themselves, to be followed up."],
  "mtg.submit": ["安排会议", "Plan meeting"],
  "mtg.planned_done": ["会议已安排", "Meeting planned"],
  "mtg.record": ["记录会议纪要", "Record the minutes"],
  "mtg.record_hint": ["保存纪要即视为会议已召开；涉及案件的决定可同时对案件执行闭环操作（以您的权限执行）。", "Saving the minutes holds the meeting; a decision about a case may take a step of the closed loop on it (with your rights)."],
  "mtg.record_submit": ["保存纪要", "Save minutes"],
  "mtg.recorded": ["纪要已保存", "Minutes recorded"],
  "mtg.decision_text": ["决定事项", "Decision"],
  "mtg.owner": ["责任方", "Owner"],
  "mtg.due": ["期限", "Due"],
  "mtg.case": ["涉及案件", "Case"],
  "mtg.action": ["闭环操作", "Step on the case"],
  "mtg.no_case": ["不涉及案件", "no case"],
  "mtg.no_action": ["不操作", "none"],
  "mtg.add_decision": ["添加决定", "Add a decision"],
  "mtg.remove": ["移除", "Remove"],
  "mtg.followup": ["往期决定跟进", "Earlier decisions followed up"],
  "mtg.note": ["说明", "Note"],
  "mtg.outcome": ["执行结果", "Outcome"],
  "mtg.applied": ["已执行", "applied"],
  "mtg.refused": ["被拒绝", "refused"],
  "mtg.open_decisions": ["待办决定", "Open decisions"],
  "mtg.overdue_only": ["只看超期", "Overdue only"],
  "mtg.overdue": ["已超期", "overdue"],
  "mtg.close_done": ["办结", "Done"],
  "mtg.close_dropped": ["撤销", "Drop"],
  "mtg.closed": ["决定已关闭", "Decision closed"],
  "mtg.none": ["您的范围内还没有联席会议", "No joint meetings in your area yet"],
  "mtg.no_decisions": ["没有待办决定", "No open decisions"],
  "mtg.followed_up": ["跟进于", "followed up in"],
  "mtg.pick": ["选择一次会议查看议程、纪要和决定，或安排新的联席会议。", "Choose a meeting to see its agenda, minutes and decisions, or plan a new one."],
  "mtg.cancel": ["取消", "Cancel"],
  "mtg.closed_by": ["关闭", "Closed"],
  "nav.members": ["党员", "Party members"],
  "mem.title": ["党员 · 设岗定责", "Party members · service posts"],
  "mem.registered": ["报到党员", "Registered members"],
  "mem.registered_hint": ["在职党员到居住地网格报到，设岗定责、编入党小组，参加志愿服务。", "Members register to the grid where they live, take on a service post, join a party group and volunteer."],
  "mem.register": ["党员名册", "County register"],
  "mem.count": ["名报到党员", "registered"],
  "mem.total": ["名册党员", "on the register"],
  "mem.member": ["党员", "Member"],
  "mem.number": ["党员编号", "Register no."],
  "mem.name": ["姓名", "Name"],
  "mem.phone": ["电话", "Phone"],
  "mem.workplace": ["工作单位", "Workplace"],
  "mem.category": ["类别", "Category"],
  "mem.post": ["设岗定责", "Service post"],
  "mem.no_post": ["未设岗", "no post"],
  "mem.group": ["党小组", "Party group"],
  "mem.no_group": ["未编组", "no group"],
  "mem.teams": ["志愿服务队", "Volunteer teams"],
  "mem.service_hours": ["服务时长", "Service hours"],
  "mem.activity_hours": ["活动时长", "Activity hours"],
  "mem.orders": ["完成服务单", "Orders completed"],
  "mem.registered_as": ["报到账号", "Registered as"],
  "mem.registered_at": ["报到时间", "Registered"],
  "mem.not_registered": ["未报到", "not registered"],
  "mem.save": ["保存", "Save"],
  "mem.saved": ["已保存", "Saved"],
  "mem.none": ["您的范围内还没有报到党员", "No registered members in your area yet"],
  "mem.register_none": ["名册中没有符合条件的党员", "No members on the register match"],
  "mem.masked": ["姓名、电话仅对本网格工作人员完整显示。", "Names and phones show in full only to the grid's own staff."],
  "mem.mine": ["我的报到", "My registration"],
  "mem.unregistered": ["您还没有到网格报到。", "You have not registered to your grid yet."],
  "mem.go_register": ["去报到", "Register now"],
  "team.title": ["志愿服务队", "Volunteer teams"],
  "team.area": ["范围", "Area"],
  "team.members": ["队员 {n} 名", "{n} members"],
  "team.joined": ["已加入", "joined"],
  "team.join": ["加入", "Join"],
  "team.leave": ["退出", "Leave"],
  "team.joined_done": ["已加入服务队", "Joined the team"],
  "team.left_done": ["已退出服务队", "Left the team"],
  "team.none": ["还没有志愿服务队", "No volunteer teams yet"],
  "team.new": ["组建服务队", "Form a team"],
  "team.name": ["队名", "Name"],
  "team.name_placeholder": ["如：文庙社区红色先锋队", "e.g. 文庙社区红色先锋队"],
  "team.description": ["服务内容", "What it does"],
  "team.own_area": ["本辖区", "My whole area"],
  "team.submit": ["组建", "Form team"],
  "team.formed": ["服务队已组建", "Team formed"],
  "team.by": ["组建", "formed by"],
  "source.reference": ["参考数据", "reference data"],
  "source.maintained": ["已维护", "maintained"],
  "source.password": ["账号密码", "password"],
  "source.oidc": ["统一身份认证", "single sign-on"],
};

// The contract's words (departments, statuses, levels, actions, roles, order statuses, party members'
// categories and service posts): filled from
// GET /v1/vocabulary by loadVocabulary() before the first page is drawn, each as code → [zh, en].
export const STATUS = {};
export const LEVEL = {};
export const ACTION = {};
export const ROLE = {};
export const DEPARTMENTS = {};
export const ORDER_STATUS = {};
export const RISK = {};
export const CATEGORY = {};
export const MEMBER_CATEGORY = {};
export const SERVICE_POST = {};
// Timeline steps: the actions, plus what fusion records on its own.
export const STEP = {
  reported: ["上报事件", "reported"], correlated: ["关联事件", "correlated"], overdue: ["超期", "overdue"],
};
// The party organisation's four levels and its posts (党建引领).
export const PARTY_LEVEL = {
  street_committee: ["街道大工委", "Street working committee"],
  community_committee: ["社区大党委", "Community party committee"],
  branch: ["网格党支部", "Grid party branch"],
  party_group: ["楼院党小组", "Party group"],
};
export const PARTY_POST = {
  secretary: ["书记", "Secretary"], deputy_secretary: ["副书记", "Deputy secretary"],
  committee_member: ["委员", "Committee member"], group_leader: ["组长", "Group leader"],
};
// Joint meetings (联席会议): a meeting's state, its agenda items, who is invited, its decisions.
export const MEETING_STATUS = { planned: ["待召开", "planned"], held: ["已召开", "held"] };
export const AGENDA_KIND = {
  case: ["案件", "case"], order: ["居民点单", "resident's order"], follow_up: ["跟进", "follow-up"], topic: ["议题", "topic"],
};
export const INVITEE_PARTY = {
  street: ["街道", "Street"], community: ["社区", "Community"], branch: ["网格党支部", "Grid party branch"],
  owners_committee: ["业委会", "Owners' committee"], property_company: ["物业公司", "Property company"],
  resident_unit: ["驻地单位", "Resident unit"], social_organisation: ["社会组织", "Social organisation"],
};
export const DECISION_STATUS = { open: ["待办", "open"], done: ["已办结", "done"], dropped: ["已撤销", "dropped"] };
export const FOLLOW_UP = { open: ["继续跟进", "carry on"], done: ["已办结", "done"], dropped: ["撤销", "drop"] };
export const ORDER_ACTION = {
  dispatch: ["派单", "Dispatch"], take: ["接单", "Take"], complete: ["完成", "Complete"], rate: ["评价", "Rate"],
  cancel: ["取消", "Cancel"],
};

const TABLES = {
  case_statuses: STATUS, levels: LEVEL, actions: ACTION, roles: ROLE, departments: DEPARTMENTS,
  order_statuses: ORDER_STATUS, risk_levels: RISK, categories: CATEGORY, member_categories: MEMBER_CATEGORY,
  service_posts: SERVICE_POST,
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
  const pair = STRINGS[key];
  if (!pair) return key;
  return (lang === "zh" ? pair[0] : pair[1]) || pair[0];
}

export function label(table, key) {
  const pair = table[key];
  if (!pair) return key || "";
  return lang === "zh" ? pair[0] : pair[1];
}

export function translatePage(root = document) {
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
}
