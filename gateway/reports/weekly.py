"""The weekly report (一周一报): figures from fusion and the patrol logs put together, the grids
ranked, and a printable HTML page with its charts drawn as inline SVG (no outside assets).

Grid ranking — a score out of 100, higher is better; equal scores share a rank (listed by grid id):
  50 × closure rate (closed ÷ (closed + still open); 1 when the grid had no case)
+ 20 × (1 − overdue ÷ cases handled)
+ 15 × patrol attainment (patrol hours ÷ 28, i.e. 4 hours a day for 7 days, at most 1)
+ 15 × service (completed service orders ÷ 5, at most 1)
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Any

from gridfusion.community.v1 import community_pb2 as cpb

from services.platform.vocabulary import DEPARTMENT_LABELS, DEPARTMENTS, FAMILIES

PATROL_WEEK_TARGET = 28.0
ORDERS_TARGET = 5


def closure_rate(closed: int, still_open: int) -> float | None:
    handled = closed + still_open
    return round(closed / handled, 4) if handled else None


def grid_score(row: dict[str, Any]) -> float:
    handled = row["cases_closed"] + row["open_cases"]
    closure = row["closure_rate"] if row["closure_rate"] is not None else 1.0
    overdue_share = row["overdue"] / handled if handled else 0.0
    patrol = min(1.0, (row["patrol_hours"] or 0.0) / PATROL_WEEK_TARGET)
    service = min(1.0, row["orders_completed"] / ORDERS_TARGET)
    return round(50 * closure + 20 * (1 - min(overdue_share, 1.0)) + 15 * patrol + 15 * service, 2)


def rank(rows: list[dict[str, Any]]) -> None:
    """Sort the rows best score first (ties by grid id) and rank them as competitions do: equal
    scores share a rank, and the next rank counts everyone above (1, 2, 2, 4)."""
    rows.sort(key=lambda r: (-r["score"], r["grid_id"]))
    for i, row in enumerate(rows):
        row["rank"] = rows[i - 1]["rank"] if i and row["score"] == rows[i - 1]["score"] else i + 1


def assemble(report: cpb.WeeklyReport, *, week: str, scope: str, start: str, end: str,
             patrol: dict[str, float] | None, patrol_under: int | None,
             circle: tuple[int, int] | None = None) -> dict[str, Any]:
    """The JSON of the report; ``patrol`` maps grid ids to hours (None: the patrol logs did not answer);
    ``circle``: the scope's (households, households outside the one-kilometre service circle)."""
    by_department = {d: 0 for d in DEPARTMENTS}
    by_family = {f: 0 for f in FAMILIES}
    for e in report.events:
        by_department[e.department] = by_department.get(e.department, 0) + e.events
        by_family[e.family] = by_family.get(e.family, 0) + e.events
    rows = []
    for g in report.grids:
        row = {
            "grid_id": g.grid_id, "name": g.name, "events": g.events, "cases_opened": g.cases_opened,
            "cases_closed": g.cases_closed, "open_cases": g.open_cases, "overdue": g.overdue, "escalated": g.escalated,
            "closure_rate": closure_rate(g.cases_closed, g.open_cases), "orders_completed": g.orders_completed,
            "service_hours": round(g.service_hours, 2),
            "patrol_hours": round(patrol.get(g.grid_id, 0.0), 2) if patrol is not None else None,
        }
        row["score"] = grid_score(row)
        rows.append(row)
    rank(rows)
    return {
        "week": week, "scope": scope, "start": start, "end": end,
        "events_total": sum(e.events for e in report.events),
        "events": [{"department": e.department, "family": e.family, "events": e.events} for e in report.events],
        "events_by_department": by_department, "events_by_family": by_family,
        "cases_opened": report.cases_opened, "cases_closed": report.cases_closed, "open_cases": report.open_cases,
        "closure_rate": closure_rate(report.cases_closed, report.open_cases),
        "overdue": report.overdue, "escalated": report.escalated,
        "median_close_hours": report.median_close_hours if report.cases_closed else None,
        "orders_completed": report.orders_completed, "service_hours": round(report.service_hours, 2),
        "patrol_hours": round(sum(patrol.values()), 2) if patrol is not None else None,
        "patrol_days_under_minimum": patrol_under,
        "service_circle": None if circle is None else {
            "households": circle[0], "outside": circle[1],
            "coverage": round(1 - circle[1] / circle[0], 4) if circle[0] else 1.0},
        "grids": rows,
    }


def bar_chart(title: str, items: list[tuple[str, float]], *, width: int = 640, unit: str = "") -> str:
    """A horizontal bar chart as inline SVG."""
    bar, gap, label_w = 22, 8, 150
    height = len(items) * (bar + gap) + 40
    top = max([v for _, v in items] + [1])
    parts = [(f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
              f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'),
             f'<text x="0" y="18" font-size="15" font-weight="600">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 32 + i * (bar + gap)
        w = (width - label_w - 70) * value / top
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" font-size="13" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="#c0392b" rx="3"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="13">{value:g}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:g}{unit}"


# The page's one stylesheet, inline so the page stands alone (printed, saved, shown in the
# dashboard's sandboxed frame). The content security policy admits it by its hash, and nothing
# else inline: the page carries no script at all.
STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
h1{color:#a61b1b;margin:0 0 4px} .sub{color:#555;margin-bottom:16px}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:8px;margin-bottom:16px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px} .card .v{font-size:22px;font-weight:700}
.card .k{font-size:12px;color:#555} .charts{display:flex;flex-wrap:wrap;gap:16px}
table{border-collapse:collapse;width:100%;font-size:13px} th,td{border:1px solid #ccc;padding:4px 6px;text-align:right}
td:nth-child(2),th:nth-child(2){text-align:left} th{background:#f4e4e4}
@media print{body{margin:8mm} .charts{page-break-inside:avoid}}
"""
STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode() + "'"


def render_html(data: dict[str, Any], *, scope_label: str) -> str:
    """A self-contained printable page: key figures, two charts, the grid ranking. Every value
    from the data is escaped (grid names and ids come from an imported county)."""
    figures = [
        ("事件总数 Events", _num(data["events_total"])),
        ("新立案件 Cases opened", _num(data["cases_opened"])),
        ("办结案件 Cases closed", _num(data["cases_closed"])),
        ("办结率 Closure rate", _pct(data["closure_rate"])),
        ("超期 Overdue", _num(data["overdue"])),
        ("上报升级 Escalated", _num(data["escalated"])),
        ("办结用时中位数 Median time to close", _num(data["median_close_hours"], " h")),
        ("完成服务单 Orders completed", _num(data["orders_completed"])),
        ("党员服务时长 Service hours", _num(data["service_hours"], " h")),
        ("巡查时长 Patrol hours", _num(data["patrol_hours"], " h")),
        ("一公里服务圈覆盖 1 km circle coverage",
         _pct(data["service_circle"]["coverage"]) if data.get("service_circle") else "—"),
    ]
    departments = [(f"{DEPARTMENT_LABELS.get(d, d)}", n) for d, n in data["events_by_department"].items()]
    families = [(f"{FAMILIES.get(f, f)}", n) for f, n in data["events_by_family"].items()]
    ranking = [(f"{r['rank']}. {r['name']}", r["score"]) for r in data["grids"][:15]]
    cells = ("rank", "name", "events", "cases_opened", "cases_closed", "closure_rate", "overdue", "escalated",
             "orders_completed", "patrol_hours", "score")

    def cell(r: dict[str, Any], key: str) -> str:
        if key == "name":
            return f"<td>{escape(str(r['name']))}<br><small>{escape(str(r['grid_id']))}</small></td>"
        value = _pct(r[key]) if key == "closure_rate" else _num(r[key]) if key in ("patrol_hours", "score") else r[key]
        return f"<td>{escape(str(value))}</td>"

    rows = "".join("<tr>" + "".join(cell(r, k) for k in cells) + "</tr>" for r in data["grids"])
    cards = "".join(f'<div class="card"><div class="v">{escape(v)}</div><div class="k">{escape(k)}</div></div>'
                    for k, v in figures)
    week, start, end = (escape(str(data[k])) for k in ("week", "start", "end"))
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>一周一报 Weekly report {week} · {escape(scope_label)}</title>
<style>{STYLE}</style></head><body>
<h1>一周一报 · Weekly report</h1>
<div class="sub">{escape(scope_label)} · {week} ({start[:10]} – {end[:10]})</div>
<div class="cards">{cards}</div>
<div class="charts">{bar_chart('各部门事件 Events by department', departments)}
{bar_chart('各类事件 Events by category family', families)}
{bar_chart('网格排名 Grid ranking (score)', ranking)}</div>
<h2>网格排名 Grid ranking</h2>
<table><thead><tr><th>#</th><th>网格 Grid</th><th>事件</th><th>新立</th><th>办结</th><th>办结率</th><th>超期</th><th>升级</th>
<th>服务单</th><th>巡查(h)</th><th>得分</th></tr></thead><tbody>{rows}</tbody></table>
<p class="sub">得分 = 50×办结率 + 20×(1−超期占比) + 15×巡查达标(28 h/周) + 15×服务单(5 单/周)。
Score = 50×closure + 20×(1−overdue share) + 15×patrol (28 h a week) + 15×orders (5 a week).</p>
</body></html>"""
