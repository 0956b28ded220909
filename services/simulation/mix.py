"""A realistic mix of Ningyang's department events, as the department systems send them.

:func:`events` yields ``(department, event)`` forever, ``event`` in the gateway's JSON form
(:class:`services.platform.events.EventIn`), in time order: one event every ``1 / rate``
seconds from ``start``. Pure and seeded: the same county and seed give the same ids, types,
categories, places, summaries and details in the same order on every machine (only the times,
and what is dated by them — a hazard's rectification deadline, an alarm number — follow
``start``); no network, no clock but the default ``start``.

What the mix holds
- **Departments** by :data:`DEPARTMENT_WEIGHTS` — comprehensive governance most, then petitions,
  the police assistant, civil affairs, legal aid. Each event's department is drawn by these
  weights, whatever it turns out to be (a new incident, a petitioner's return, one more report
  of a joint incident), so each department's share of the stream is its weight.
- **Types and categories** per department by :data:`CATEGORY_WEIGHTS`, within what each
  department's definition (``services/departments/definitions/``) accepts; :data:`JOINT_TYPES`
  says which type a department files a joint incident's report under. The ``details`` are those
  each type defines (parties, hazard level and deadline, risk kind, petitioner and channel,
  alarm number and source, check kind, household and allowance, organisation, topic).
- **Places**: the point of a household of the county (so grids are hit in proportion to their
  households), its compound, building, road and community naming the place in the summary;
  a social organisation's matter lies in the organisation's own grid. Civil affairs'
  livelihood events name their household, as the department's rule demands: as
  ``location.household_id`` (:data:`HOUSEHOLD_LOCATION_SHARE`) or as the point plus
  ``details.household_id``.
- **Summaries**: a few Chinese templates per category (:data:`SUMMARIES`), filled with the
  place's names and a surname (``张某``); a police incident and a joint incident say when it
  happened (``8时5分许，``); severities by family (:data:`SEVERITY_WEIGHTS`).
- **Repeat petitions** (重复信访): :data:`REPEAT_SHARE` of new petitioners come back 1–3 times
  (:data:`REPEAT_VISITS`) with the same ``subject_id`` (the petitioner), category, place and
  matter, 1–3 days of event time later — or after :data:`REPEAT_SLOTS` events of the stream,
  whichever comes first, so a short run at a high rate shows them too (always within the
  7 days in which fusion joins events of one subject into one case).
- **Joint incidents** (多部门同报): :data:`JOINT_SHARE` of new incidents are reported by 2–3
  departments (:data:`JOINT_INCIDENTS`): the same point, the same category, within minutes —
  1 to 10 minutes of event time later, or after :data:`FOLLOW_UP_SLOTS` events, whichever
  comes first. Their reports share the **same summary text** (with the time of the incident):
  fusion joins reports without a
  common subject only when they lie within 100 m, within 48 h, and their summaries are
  near-duplicates (``services/fusion/correlation.py``), so an incident's reports become one case.

Ids are ``<prefix>-<seed>-<n>``, ``n`` counting per department from 1 (prefixes in
:data:`ID_PREFIXES`: 综治 zz, 信访 xf, 法援 fy, 警务 jw, 民政 mz): unique per department, and
the same for a seed, so sending a run again is answered ``duplicate``, never doubled.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from services.platform.vocabulary import GENERIC_TYPE, family_of
from services.reference import County, Household, parse_address

TIMEZONE = ZoneInfo("Asia/Shanghai")

DEPARTMENT_WEIGHTS: Mapping[str, int] = {
    "comprehensive_governance": 38,
    "petition": 22,
    "police_assistant": 18,
    "civil_affairs": 14,
    "legal_aid": 8,
}

ID_PREFIXES: Mapping[str, str] = {
    "comprehensive_governance": "zz",
    "petition": "xf",
    "legal_aid": "fy",
    "police_assistant": "jw",
    "civil_affairs": "mz",
}

# department → (type, category, weight): what each department files, and how often.
CATEGORY_WEIGHTS: Mapping[str, tuple[tuple[str, str, int], ...]] = {
    "comprehensive_governance": (
        ("governance.dispute", "dispute.neighbor", 10),
        ("governance.dispute", "dispute.family", 6),
        ("governance.dispute", "dispute.property", 5),
        ("governance.dispute", "dispute.wage_arrears", 4),
        ("governance.dispute", "dispute.land", 3),
        ("governance.hazard", "safety_hazard.fire", 8),
        ("governance.hazard", "safety_hazard.building", 4),
        ("governance.hazard", "safety_hazard.gas", 4),
        ("governance.hazard", "safety_hazard.traffic", 3),
        ("governance.hazard", "safety_hazard.flood", 2),
        ("governance.public_order", "public_order.theft", 3),
        ("governance.public_order", "public_order.fighting", 2),
        ("governance.public_order", "public_order.fraud", 2),
        ("governance.public_order", "public_order.gang_lead", 1),
        ("governance.risk_screening", "special_population.community_correction", 2),
        ("governance.risk_screening", "special_population.mental_health", 2),
        ("governance.risk_screening", "special_population.drug_rehab", 1),
        ("governance.risk_screening", "dispute.land", 1),
        (GENERIC_TYPE, "environment.garbage", 6),
        (GENERIC_TYPE, "environment.noise", 4),
        (GENERIC_TYPE, "environment.sewage", 3),
        (GENERIC_TYPE, "property_management.service_quality", 3),
        (GENERIC_TYPE, "other.general", 2),
    ),
    "petition": (  # the type is the channel, drawn per petition (PETITION_CHANNELS)
        ("petition", "property_management.service_quality", 6),
        ("petition", "dispute.wage_arrears", 5),
        ("petition", "dispute.property", 4),
        ("petition", "dispute.land", 4),
        ("petition", "livelihood.subsistence_allowance", 3),
        ("petition", "dispute.neighbor", 2),
        ("petition", "property_management.owners_committee", 2),
        ("petition", "livelihood.medical", 2),
        ("petition", "livelihood.employment", 2),
        ("petition", "environment.noise", 2),
        ("petition", "environment.sewage", 2),
        ("petition", "livelihood.elderly_care", 1),
        ("petition", "environment.garbage", 1),
        ("petition", "legal_service.consultation", 1),
        ("petition", "other.general", 1),
    ),
    "police_assistant": (
        ("police.incident", "public_order.theft", 6),
        ("police.incident", "public_order.fraud", 5),
        ("police.incident", "public_order.fighting", 4),
        ("police.incident", "dispute.neighbor", 3),
        ("police.incident", "dispute.family", 3),
        ("police.incident", "safety_hazard.traffic", 3),
        ("police.check", "special_population.community_correction", 2),
        ("police.check", "special_population.drug_rehab", 2),
        ("police.check", "special_population.mental_health", 1),
        ("police.check", "safety_hazard.fire", 2),
        ("police.check", "public_order.gang_lead", 1),
    ),
    "civil_affairs": (
        ("civil.assistance", "livelihood.subsistence_allowance", 8),
        ("civil.assistance", "livelihood.elderly_care", 6),
        ("civil.assistance", "livelihood.disability", 4),
        ("civil.assistance", "livelihood.special_hardship", 3),
        ("civil.assistance", "livelihood.medical", 3),
        ("civil.assistance", "livelihood.employment", 2),
        ("civil.social_organisation", "other.general", 2),
        ("civil.social_organisation", "property_management.owners_committee", 1),
    ),
    "legal_aid": (
        ("legal_aid.consultation", "legal_service.consultation", 7),
        ("legal_aid.application", "legal_service.aid_application", 3),
    ),
}

# (channel, petition type, weight)
PETITION_CHANNELS: tuple[tuple[str, str, int], ...] = (
    ("visit", "petition.visit", 5),
    ("online", "petition.online", 3),
    ("letter", "petition.letter", 2),
)

# An incident several departments report: its category and who may report it.
JOINT_INCIDENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("safety_hazard.fire", ("comprehensive_governance", "police_assistant")),
    ("safety_hazard.gas", ("comprehensive_governance", "police_assistant")),
    ("public_order.fighting", ("comprehensive_governance", "police_assistant")),
    ("dispute.neighbor", ("comprehensive_governance", "police_assistant", "petition")),
    ("dispute.wage_arrears", ("comprehensive_governance", "police_assistant", "petition")),
    ("environment.noise", ("comprehensive_governance", "petition")),
    ("environment.sewage", ("comprehensive_governance", "petition")),
)
# department → family → the type its report of a joint incident is filed under
# ("petition": the channel decides).
JOINT_TYPES: Mapping[str, Mapping[str, str]] = {
    "comprehensive_governance": {
        "dispute": "governance.dispute", "safety_hazard": "governance.hazard",
        "public_order": "governance.public_order", "environment": GENERIC_TYPE,
    },
    "police_assistant": {"dispute": "police.incident", "safety_hazard": "police.incident",
                         "public_order": "police.incident"},
    "petition": {"dispute": "petition", "environment": "petition"},
}

JOINT_SHARE = 0.05  # of new incidents, reported by 2–3 departments
JOINT_EXTRA_REPORTERS = ((1, 7), (2, 3))  # (other departments, weight)
FOLLOW_UP_MINUTES = (1.0, 10.0)
FOLLOW_UP_SLOTS = 25

REPEAT_SHARE = 0.25  # of new petitioners, who come back
REPEAT_VISITS = ((1, 6), (2, 3), (3, 1))  # (returns, weight)
REPEAT_DAYS = (1.0, 3.0)
REPEAT_SLOTS = (20, 200)

HOUSEHOLD_LOCATION_SHARE = 0.4  # of civil affairs' livelihood events

SEVERITY_WEIGHTS: Mapping[str, tuple[tuple[str, int], ...]] = {
    "dispute": (("low", 30), ("medium", 55), ("high", 15)),
    "safety_hazard": (("low", 15), ("medium", 50), ("high", 30), ("critical", 5)),
    "public_order": (("low", 20), ("medium", 50), ("high", 25), ("critical", 5)),
    "livelihood": (("low", 50), ("medium", 45), ("high", 5)),
    "legal_service": (("low", 70), ("medium", 30)),
    "environment": (("low", 55), ("medium", 40), ("high", 5)),
    "special_population": (("low", 30), ("medium", 50), ("high", 18), ("critical", 2)),
    "property_management": (("low", 50), ("medium", 45), ("high", 5)),
    "other": (("low", 80), ("medium", 20)),
}

LEGAL_TOPICS: Mapping[str, str] = {
    "family": "婚姻家庭", "labour": "劳动争议", "property": "房产纠纷",
    "contract": "合同纠纷", "injury": "人身损害赔偿", "other": "民间借贷",
}
TOPIC_OF_CATEGORY: Mapping[str, tuple[str, ...]] = {
    "legal_service.consultation": ("family", "labour", "labour", "property", "contract", "injury", "other"),
    "legal_service.aid_application": ("labour", "labour", "injury", "family", "other"),
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"

# Summary templates per category (or per type where a type says something of its own). Fields:
# {compound} {building} {unit} {road} {road2} {number} {street} {community} {surname}
# {org} {topic} {amount} {n}.
SUMMARIES: Mapping[str, tuple[str, ...]] = {
    "dispute.neighbor": (
        "{compound}{building}号楼住户因楼道堆放杂物与邻居发生纠纷，双方争执不下",
        "{compound}{building}号楼{unit}单元楼上漏水殃及楼下，邻里协商未果",
        "{road}沿街住户因门前占道停车与邻居发生口角，请求调解",
    ),
    "dispute.family": (
        "{compound}{surname}某家庭因赡养老人问题产生矛盾，子女互相推诿",
        "{compound}{building}号楼一对夫妻因离婚财产分割争吵，需上门调解",
        "{surname}某兄弟因父母遗留房产分配发生家庭纠纷",
    ),
    "dispute.property": (
        "{compound}{building}号楼住户与物业就地下车位归属发生纠纷",
        "{road}{number}号商铺租赁合同到期，押金退还发生纠纷",
        "{surname}某与他人因借款未还产生财产纠纷，金额约{amount}元",
    ),
    "dispute.wage_arrears": (
        "{road}附近在建工地拖欠{n}名农民工工资约{amount}元",
        "{surname}某反映在{road}一家餐饮店务工被拖欠三个月工资",
        "{compound}装修工程完工后包工头拖欠工人工资",
    ),
    "dispute.land": (
        "{community}居民反映村改居前宅基地确权存在争议",
        "{road}东侧一块集体土地使用权归属发生纠纷",
        "{surname}某与邻户因房前空地界线发生争执",
    ),
    "safety_hazard.fire": (
        "{compound}{building}号楼楼道内电动车违规充电，存在火灾隐患",
        "{compound}消防通道被车辆长期占用",
        "{road}{number}号沿街门店私拉电线，存在消防隐患",
    ),
    "safety_hazard.building": (
        "{compound}{building}号楼外墙瓷砖脱落，威胁行人安全",
        "{compound}{building}号楼屋面渗漏，墙体出现裂缝",
        "{road}一处老旧平房墙体倾斜，存在倒塌风险",
    ),
    "safety_hazard.gas": (
        "{compound}{building}号楼{unit}单元楼道内有燃气异味",
        "{road}{number}号饭店液化气瓶存放不规范",
        "{compound}燃气管道老化锈蚀，需尽快更换",
    ),
    "safety_hazard.traffic": (
        "{road}与{road2}路口信号灯故障，车辆通行混乱",
        "{road}学校门口上下学时段车辆乱停，存在安全隐患",
        "{road}路面塌陷形成坑洼，夜间无警示标志",
    ),
    "safety_hazard.flood": (
        "{compound}地下车库排水不畅，雨后积水严重",
        "{road}低洼路段雨后积水没过路沿",
        "{compound}{building}号楼地下室进水",
    ),
    "public_order.theft": (
        "{compound}{building}号楼下电动车被盗",
        "{road}{number}号商铺夜间被撬，丢失现金若干",
        "{compound}多户居民反映快递包裹被人冒领",
    ),
    "public_order.fraud": (
        "{compound}{surname}某老人接到冒充公检法电话，被骗{amount}元",
        "{road}附近有人以推销保健品为名骗取老人钱财",
        "{surname}某在网上刷单返利被骗{amount}元",
    ),
    "public_order.fighting": (
        "{road}{number}号烧烤店门前两伙人发生打斗",
        "{compound}门口两名男子因停车问题发生肢体冲突",
        "{road}夜市摊主之间因争抢摊位发生斗殴",
    ),
    "public_order.gang_lead": (
        "群众反映{road}一带有人强揽工程、欺行霸市",
        "{compound}附近有人放高利贷并暴力催收",
        "群众举报{road}{number}号有人聚众赌博",
    ),
    "livelihood.subsistence_allowance": (
        "{compound}{surname}某家庭收入下降，申请城乡低保",
        "{compound}{building}号楼低保户年度复核，家庭情况有变化",
        "{surname}某反映低保金未按时发放",
    ),
    "livelihood.elderly_care": (
        "{compound}{building}号楼{surname}某独居老人，申请居家养老上门服务",
        "{compound}高龄老人{surname}某行动不便，需要助餐服务",
        "{surname}某反映社区日间照料中心床位紧张",
    ),
    "livelihood.disability": (
        "{compound}{surname}某重度残疾，申请护理补贴",
        "{compound}{building}号楼残疾人家庭申请无障碍改造",
        "{surname}某残疾人证到期需换证，行动不便请求上门办理",
    ),
    "livelihood.medical": (
        "{compound}{surname}某患重病住院，医疗费用负担重，申请医疗救助",
        "{surname}某反映大病保险报销进度慢",
        "{compound}{building}号楼慢性病患者{surname}某申请门诊慢特病待遇",
    ),
    "livelihood.employment": (
        "{compound}{surname}某失业在家，希望推荐公益性岗位",
        "{community}就业困难人员{surname}某申请技能培训",
        "{surname}某反映灵活就业社保补贴未到账",
    ),
    "livelihood.special_hardship": (
        "{compound}{surname}某无劳动能力、无生活来源，申请特困供养",
        "{compound}特困人员{surname}某需要集中供养",
        "{surname}某家庭突遭变故，申请临时救助",
    ),
    "legal_service.consultation": (
        "{surname}某咨询{topic}问题如何维权",
        "{compound}居民{surname}某咨询{topic}相关法律规定",
        "{surname}某就{topic}问题请社区法律顾问解答",
    ),
    "legal_service.aid_application": (
        "{surname}某因{topic}申请法律援助，经济困难无力聘请律师",
        "{compound}{surname}某申请法律援助，涉及{topic}",
        "{surname}某就{topic}案件申请指派律师代理",
    ),
    "environment.garbage": (
        "{compound}{building}号楼旁垃圾桶满溢，多日未清运",
        "{road}路边有人倾倒建筑垃圾",
        "{compound}垃圾分类投放点异味严重",
    ),
    "environment.sewage": (
        "{compound}{building}号楼化粪池外溢，污水横流",
        "{road}雨污管道堵塞，污水外冒",
        "{road}{number}号餐馆向雨水井排放油污",
    ),
    "environment.noise": (
        "{road}{number}号KTV夜间噪声扰民",
        "{compound}附近工地夜间施工噪声大",
        "{compound}广场舞音响声音过大，影响居民休息",
    ),
    "special_population.community_correction": (
        "{compound}社区矫正对象{surname}某本月走访核查",
        "社区矫正对象{surname}某未按时报到，需核实去向",
        "{compound}社区矫正对象{surname}某申请外出请假",
    ),
    "special_population.drug_rehab": (
        "{compound}社区戒毒康复人员{surname}某定期检测",
        "戒毒康复人员{surname}某近期行踪异常",
        "{compound}社区康复人员{surname}某有就业帮扶需求",
    ),
    "special_population.mental_health": (
        "{compound}{building}号楼严重精神障碍患者{surname}某情绪不稳定",
        "{compound}精神障碍患者{surname}某未按时服药，家属请求帮助",
        "{surname}某精神状况异常，在{road}一带游荡",
    ),
    "property_management.service_quality": (
        "{compound}物业长期不维修电梯，业主多次反映",
        "{compound}物业服务差，小区卫生无人打扫",
        "{compound}物业擅自上调物业费",
    ),
    "property_management.owners_committee": (
        "{compound}业主委员会换届选举程序有争议",
        "{compound}业主申请成立业主委员会",
        "{compound}业委会使用公共维修资金未公示",
    ),
    "other.general": (
        "{compound}居民反映{road}路灯不亮",
        "{community}居民建议在{compound}增设健身器材",
        "{compound}{surname}某咨询户口迁移办理手续",
    ),
    # civil affairs' social-organisation matters (社会组织事务)
    "civil.social_organisation:other.general": (
        "{org}申请在{community}开展志愿服务活动",
        "{org}年度检查材料报送",
        "{org}负责人变更备案",
    ),
    "civil.social_organisation:property_management.owners_committee": (
        "{compound}业主委员会登记备案",
        "{compound}业主委员会成员变更备案",
    ),
}


def events(
    county: County, *, seed: int = 0, start: datetime | None = None, rate: float = 10.0
) -> Iterator[tuple[str, dict]]:
    """``(department, event)`` forever, one every ``1 / rate`` seconds from ``start`` (default:
    now in Asia/Shanghai); ``event`` is the gateway's JSON form of a department event."""
    if not rate > 0:
        raise ValueError("rate must be a positive number of events per second")
    if start is None:
        start = datetime.now(TIMEZONE)
    elif start.utcoffset() is None:
        raise ValueError("start needs a time zone (an offset)")
    if not county.households:
        raise ValueError("the county has no households to place events at")
    return _Mix(county, seed, rate).stream(start)


@dataclass(frozen=True)
class Place:
    """Where an event happens: a household's point, and the names the summary gives it."""

    household: Household
    compound: str
    building: int
    unit: int
    road: str
    number: int
    street: str
    community: str


@dataclass(order=True)
class _Pending:
    """A report waiting for its department's next turn: a petitioner's return, another
    department's report of a joint incident."""

    due: int
    seq: int
    body: dict = field(compare=False)


def _picker(rng: random.Random, items: tuple[tuple[Any, int], ...]):
    values = [value for value, _ in items]
    cumulative = list(accumulate(weight for _, weight in items))
    return lambda: rng.choices(values, cum_weights=cumulative)[0]


class _Mix:
    def __init__(self, county: County, seed: int, rate: float) -> None:
        self.county = county
        self.seed = seed
        self.rate = rate
        self.rng = rng = random.Random(f"gridfusion.simulation:{seed}")
        self.department = _picker(rng, tuple(DEPARTMENT_WEIGHTS.items()))
        self.kind = {d: _picker(rng, tuple(((t, c), w) for t, c, w in table))
                     for d, table in CATEGORY_WEIGHTS.items()}
        self.channel = _picker(rng, tuple(((c, t), w) for c, t, w in PETITION_CHANNELS))
        self.severity = {family: _picker(rng, weights) for family, weights in SEVERITY_WEIGHTS.items()}
        self.extra_reporters = _picker(rng, JOINT_EXTRA_REPORTERS)
        self.returns = _picker(rng, REPEAT_VISITS)
        # The chance that a new incident of a department is a joint one, so that JOINT_SHARE of
        # all new incidents are: only some departments take part in joint incidents.
        joining = {d for _, reporters in JOINT_INCIDENTS for d in reporters}
        share = sum(DEPARTMENT_WEIGHTS[d] for d in joining) / sum(DEPARTMENT_WEIGHTS.values())
        self.joint_chance = {d: JOINT_SHARE / share if d in joining else 0.0 for d in DEPARTMENT_WEIGHTS}
        self.pending: dict[str, list[_Pending]] = {d: [] for d in DEPARTMENT_WEIGHTS}
        self.counters = dict.fromkeys(DEPARTMENT_WEIGHTS, 0)
        self.seq = 0
        self.places: dict[str, Place] = {}
        self.communities = {c.community_id: c.name for c in county.communities}
        self.compounds = {c.compound_id: c.name for c in county.compounds}
        roads = {parse_address(c.address) for c in county.compounds}
        self.roads = sorted({parts.road for parts in roads if parts is not None}) or ["主干道"]

    # -- the stream --------------------------------------------------------------------------
    def stream(self, start: datetime) -> Iterator[tuple[str, dict]]:
        slot = 0
        while True:
            time = start + timedelta(seconds=slot / self.rate)
            department = self.department()
            queue = self.pending[department]
            if queue and queue[0].due <= slot:
                body = heapq.heappop(queue).body
            else:
                body = self.new_incident(department, slot, time)
            yield department, self.finish(department, time, body)
            slot += 1

    def finish(self, department: str, time: datetime, body: dict) -> dict:
        self.counters[department] += 1
        event = {
            "id": f"{ID_PREFIXES[department]}-{self.seed}-{self.counters[department]:07d}",
            "type": body["type"],
            "time": time.isoformat(timespec="milliseconds"),
        }
        event.update((k, v) for k, v in body.items() if k != "type")
        return event

    def later(self, department: str, due: int, body: dict) -> None:
        self.seq += 1
        heapq.heappush(self.pending[department], _Pending(due, self.seq, body))

    def slots_after(self, seconds: float, cap: int) -> int:
        return max(1, min(round(seconds * self.rate), cap))

    # -- new incidents -----------------------------------------------------------------------
    def new_incident(self, department: str, slot: int, time: datetime) -> dict:
        if self.rng.random() < self.joint_chance[department]:
            return self.joint_incident(department, slot, time)
        event_type, category = self.kind[department]()
        if event_type == "civil.social_organisation":
            return self.organisation_matter(category, time)
        place = self.place()
        topic = self.rng.choice(TOPIC_OF_CATEGORY[category]) if category in TOPIC_OF_CATEGORY else None
        summary = self.summary(category, place, topic=topic)
        if event_type == "police.incident":
            summary = when(time) + summary
        body = self.report(department, event_type, category, place, time, summary, topic=topic)
        if department == "petition" and self.rng.random() < REPEAT_SHARE:
            self.returns_of(body, slot)
        return body

    def joint_incident(self, department: str, slot: int, time: datetime) -> dict:
        category, reporters = self.rng.choice([j for j in JOINT_INCIDENTS if department in j[1]])
        others = [d for d in reporters if d != department]
        others = self.rng.sample(others, min(len(others), self.extra_reporters()))
        place = self.place()
        # One text for every report (see the module doc), saying when it happened.
        summary = when(time) + self.summary(category, place)
        severity = self.severity[family_of(category)]()
        family = family_of(category)
        for other in others:
            minutes = self.rng.uniform(*FOLLOW_UP_MINUTES)
            due = slot + self.slots_after(minutes * 60, FOLLOW_UP_SLOTS)
            report = self.report(other, JOINT_TYPES[other][family], category, place, time, summary, severity)
            self.later(other, due, report)
        return self.report(department, JOINT_TYPES[department][family], category, place, time, summary, severity)

    def returns_of(self, first: dict, slot: int) -> None:
        """The petitioner comes back on the same matter: same subject, category and place."""
        due = slot
        for visit in range(2, 2 + self.returns()):
            days = self.rng.uniform(*REPEAT_DAYS)
            due += self.slots_after(days * 86400, self.rng.randint(*REPEAT_SLOTS))
            channel, event_type = self.channel()
            prefix = "再次反映：" if visit == 2 else f"第{visit}次反映："
            details = dict(first["details"], channel=channel)
            again = dict(first, type=event_type, summary=prefix + first["summary"],
                         location=dict(first["location"]), details=details)
            self.later("petition", due, again)

    def organisation_matter(self, category: str, time: datetime) -> dict:
        orgs = self.county.social_organisations
        org = self.rng.choice(orgs) if orgs else None
        households = self.county.households_by_grid.get(org.grid_id, ()) if org else ()
        place = self.place(self.rng.choice(households) if households else None)
        name = org.name if org else f"{place.community}志愿服务队"
        summary = self.summary(category, place, key=f"civil.social_organisation:{category}", org=name)
        body = self.report("civil_affairs", "civil.social_organisation", category, place, time, summary)
        body["details"] = {"organisation": name}
        return body

    # -- one report --------------------------------------------------------------------------
    def report(self, department: str, event_type: str, category: str, place: Place, time: datetime,
               summary: str, severity: str | None = None, topic: str | None = None) -> dict:
        rng = self.rng
        household = place.household
        family = family_of(category)
        location: dict[str, Any] = {"lon": household.location[0], "lat": household.location[1]}
        body: dict[str, Any] = {"type": event_type, "category": category, "summary": summary,
                                "severity": severity or self.severity[family]()}
        details: dict[str, Any] = {}
        if department == "petition":
            channel, event_type = self.channel()
            body["type"] = event_type
            head = household.head
            body["subject_id"] = head.person_id if head else f"P-{household.household_id}"
            details = {"petitioner_name": head.name if head else place_surname(household) + "某",
                       "channel": channel, "matter": summary[:200],
                       "people_count": _people(rng, channel)}
            if head and head.phone:
                details["petitioner_phone"] = head.phone
        elif event_type == "governance.dispute":
            details = {"parties": rng.choice((2, 2, 2, 3, 4, 6)), "mediated_on_site": rng.random() < 0.3}
        elif event_type == "governance.hazard":
            major = rng.random() < 0.15
            details = {"hazard_level": "major" if major else "general",
                       "rectification_deadline": (time + timedelta(days=rng.choice((3, 7, 15)))).date().isoformat()}
            if major and body["severity"] in ("low", "medium"):
                body["severity"] = "high"
        elif event_type == "governance.public_order":
            details = {"patrol_found": rng.random() < 0.4, "gang_lead": category == "public_order.gang_lead"}
        elif event_type == "governance.risk_screening":
            kind = {"special_population": "special_population", "dispute": "social_stability"}.get(family, "public_safety")
            details = {"risk_kind": "online_opinion" if rng.random() < 0.1 else kind}
        elif event_type == "police.incident":
            source = rng.choices(("110", "patrol", "resident", "other"), (50, 20, 25, 5))[0]
            details = {"source": source}
            if source == "110":
                details["alarm_no"] = f"J370921{time:%Y%m%d}{rng.randint(0, 99999):05d}"
        elif event_type == "police.check":
            kind = {"special_population": "special_population", "public_order": "venue"}.get(family)
            details = {"check_kind": kind or rng.choice(("rental_housing", "venue", "household_visit"))}
        elif event_type == "civil.assistance":
            if rng.random() < HOUSEHOLD_LOCATION_SHARE:
                location = {"household_id": household.household_id}
            else:
                details["household_id"] = household.household_id
            if category in ("livelihood.subsistence_allowance", "livelihood.special_hardship"):
                details["monthly_amount_yuan"] = float(rng.randrange(600, 1300, 10))
        elif department == "legal_aid":
            details = {"topic": topic or "other",
                       "applicant_name": household.head.name if household.head else place_surname(household) + "某"}
            if event_type == "legal_aid.application":
                details["hardship_proof"] = rng.random() < 0.7
        body["location"] = location
        body["details"] = details
        return body

    def summary(self, category: str, place: Place, *, key: str | None = None, org: str = "",
                topic: str | None = None) -> str:
        rng = self.rng
        template = rng.choice(SUMMARIES.get(key or category) or SUMMARIES[category])
        topic_code = topic or rng.choice(TOPIC_OF_CATEGORY.get(category, ("other",)))
        others = [r for r in self.roads if r != place.road] or [place.road]
        text = template.format(
            compound=place.compound, building=place.building, unit=place.unit, road=place.road,
            road2=rng.choice(others), number=place.number, street=place.street, community=place.community,
            surname=place_surname(place.household, rng), org=org, topic=LEGAL_TOPICS[topic_code],
            amount=rng.choice((800, 1500, 3000, 5000, 8000, 12000, 20000, 46000)), n=rng.randint(3, 30),
        )
        return text

    def place(self, household: Household | None = None) -> Place:
        household = household or self.rng.choice(self.county.households)
        known = self.places.get(household.household_id)
        if known is None:
            known = self.places[household.household_id] = self._place_of(household)
        return known

    def _place_of(self, household: Household) -> Place:
        parts = parse_address(household.address)
        grid = self.county.grids_by_id.get(household.grid_id)
        community = self.communities.get(grid.community_id, "") if grid else ""
        compound = (parts.compound if parts else None) or self.compounds.get(household.compound_id) or "该小区"
        return Place(
            household=household, compound=compound,
            building=(parts.building if parts else None) or 1, unit=(parts.unit if parts else None) or 1,
            road=parts.road if parts else self.roads[0], number=parts.number if parts else 1,
            street=parts.street if parts else "", community=community or "本社区",
        )


def when(time: datetime) -> str:
    """How a report says when it happened: ``8时5分许，``."""
    return f"{time.hour}时{time.minute}分许，"


def place_surname(household: Household, rng: random.Random | None = None) -> str:
    """The surname of the household's head, else one drawn (or the commonest, 王)."""
    if household.head and household.head.name:
        return household.head.name[0]
    return rng.choice(SURNAMES) if rng else SURNAMES[0]


def _people(rng: random.Random, channel: str) -> int:
    if channel != "visit":
        return 1
    roll = rng.random()
    if roll < 0.85:
        return 1
    if roll < 0.97:
        return rng.randint(2, 4)
    return rng.randint(5, 30)  # a group visit (集体访)
