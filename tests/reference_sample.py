"""A second county for the tests, unlike the synthetic Ningyang one: a hand-over from 肥城市.

Ningyang's synthetic county is a lattice of quadrilaterals; this one is irregular on purpose. An
irregular convex outline around the Feicheng county seat (肥城市, code 370983, about 36.18° N,
116.77° E) is cut by a Voronoi tiling (``shapely.voronoi_polygons``) of well-spaced random
seeds into 16 convex grids: two streets (新城街道 west, 老城街道 east), two communities each,
grid ids of the national pattern (370983 + street + community + grid). Households (a few
hundred, with Chinese addresses, heads, phones and valid id numbers) lie at least 15 m inside
their grids; party members are spread over the grids.

``make_sample(seed)`` gives the WGS84 truth (the same for a seed on every run);
``write_sample`` writes it as a county would hand it over — coordinates in a chosen datum
(GCJ-02 by default), Chinese headers, households as CSV (with a byte-order mark) or XLSX — so a
test can load it, or post events at the grids' ``test_points_gcj02`` and assert the grid.
``with_overlap``, ``with_household_outside`` and ``with_bad_id_number`` make broken variants.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import random
from dataclasses import dataclass, replace
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, Polygon

from services.reference.exchange.crs import from_wgs84_arrays
from services.reference.labels import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from services.reference.people import id_check_character

LonLat = tuple[float, float]

COUNTY_CODE = "370983"
COUNTY_NAME = "肥城市"
CENTRE: LonLat = (116.77, 36.18)
METRES_PER_DEGREE_LON = 89_860.0  # 111 320 m × cos(36.18°)
METRES_PER_DEGREE_LAT = 110_960.0
# (street code, name, communities (code, name) west→east / south→north)
STREETS = (
    ("001", "新城街道", (("001", "龙山社区"), ("002", "桃园社区"))),
    ("002", "老城街道", (("001", "凤山社区"), ("002", "长山社区"))),
)
ROADS = (
    "新城路",
    "龙山路",
    "泰西大街",
    "长山街",
    "向阳街",
    "凤山大街",
    "桃园路",
    "站前街",
    "康汇路",
    "白庄路",
)
COMPOUND_NAMES = (
    "龙山花园小区",
    "桃园新村小区",
    "泰西家园小区",
    "凤山名苑小区",
    "康汇小区",
    "新城佳苑小区",
    "长山家属院",
    "向阳家属院",
    "白庄小区",
    "站前家属院",
    "佳和小区",
    "汇丰花园小区",
    "春秋阁小区",
    "肥城矿务局家属院",
    "石横小区",
    "仪阳小区",
    "安临站小区",
    "湖屯家属院",
    "金牛山小区",
    "牛山花园小区",
    "桃都小区",
    "孙伯家属院",
    "边院小区",
    "王庄小区",
    "汶阳花园小区",
    "潮泉家属院",
    "安驾庄小区",
    "老城名苑小区",
    "新城花园小区",
    "泰山家园小区",
)
GRID_TYPES_ZH = {"unit": "单位型", "compound": "小区型", "street_lane": "街巷型"}
CATEGORIES_ZH = {"in_work": "在职", "retired": "离退休", "mobile": "流动"}

GRID_PROPERTIES_ZH = {
    "grid_id": "网格编码",
    "name": "网格名称",
    "type": "类型",
    "community_id": "社区编码",
    "community_name": "社区",
    "street_id": "街道编码",
    "street_name": "街道",
}
HOUSEHOLD_HEADERS_ZH = (
    "户号",
    "地址",
    "经度",
    "纬度",
    "人数",
    "小区",
    "网格编码",
    "户主姓名",
    "联系电话",
    "身份证号",
)
HOUSEHOLD_HEADERS_EN = (
    "household_id",
    "address",
    "lon",
    "lat",
    "residents",
    "compound",
    "grid_id",
    "head_name",
    "phone",
    "id_number",
)
MEMBER_HEADERS_ZH = ("党员编号", "姓名", "电话", "网格编码", "类别", "身份证号")
MEMBER_HEADERS_EN = ("member_id", "name", "phone", "grid_id", "category", "id_number")


@dataclass(frozen=True)
class SampleGrid:
    grid_id: str
    name: str
    type: str
    community_id: str
    community_name: str
    street_id: str
    street_name: str
    polygon: tuple[LonLat, ...]  # WGS84, closed, counter-clockwise, 6 decimals
    test_points: tuple[LonLat, ...]  # WGS84, at least 30 m inside
    test_points_gcj02: tuple[LonLat, ...]  # the same points in GCJ-02

    @property
    def geometry(self) -> Polygon:
        return Polygon(self.polygon)


@dataclass(frozen=True)
class SampleHousehold:
    household_id: str
    address: str
    location: LonLat  # WGS84, 6 decimals
    residents: int
    compound: str
    grid_id: str
    head_name: str
    phone: str
    id_number: str


@dataclass(frozen=True)
class SampleMember:
    member_id: str
    name: str
    phone: str
    grid_id: str
    category: str
    id_number: str


@dataclass(frozen=True)
class Sample:
    """The WGS84 truth of the sample county."""

    seed: int
    grids: tuple[SampleGrid, ...]
    households: tuple[SampleHousehold, ...]
    members: tuple[SampleMember, ...]

    def grid(self, grid_id: str) -> SampleGrid:
        return next(g for g in self.grids if g.grid_id == grid_id)

    @property
    def residents(self) -> int:
        return sum(h.residents for h in self.households)

    def neighbours(self) -> list[tuple[str, str]]:
        """Pairs of grids (in id order) that share an edge."""
        pairs = []
        for k, a in enumerate(self.grids):
            for b in self.grids[k + 1 :]:
                if _shared_edges(a.polygon, b.polygon):
                    pairs.append((a.grid_id, b.grid_id))
        return pairs


# ------------------------------------------------------------------------------- generation


def _to_lonlat(x: float, y: float) -> LonLat:
    return (
        round(CENTRE[0] + x / METRES_PER_DEGREE_LON, 6),
        round(CENTRE[1] + y / METRES_PER_DEGREE_LAT, 6),
    )


def _to_metres(lon: float, lat: float) -> tuple[float, float]:
    return (lon - CENTRE[0]) * METRES_PER_DEGREE_LON, (lat - CENTRE[1]) * METRES_PER_DEGREE_LAT


def _metric(polygon: tuple[LonLat, ...]) -> Polygon:
    return Polygon([_to_metres(*p) for p in polygon])


def _outline(rng: random.Random) -> Polygon:
    """An irregular convex outline, about 4.4 km × 3.4 km."""
    points = []
    for k in range(16):
        angle = 2 * math.pi * k / 16 + rng.uniform(-0.12, 0.12)
        radius = rng.uniform(0.85, 1.15)
        points.append((2200 * radius * math.cos(angle), 1700 * radius * math.sin(angle)))
    return shapely.convex_hull(MultiPoint(points))


def _seeds(rng: random.Random, outline: Polygon, count: int) -> list[tuple[float, float]]:
    inner = outline.buffer(-250)
    xmin, ymin, xmax, ymax = inner.bounds
    seeds: list[tuple[float, float]] = []
    spacing = 620.0
    while len(seeds) < count:
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if inner.contains(Point(x, y)) and all(math.dist((x, y), s) >= spacing for s in seeds):
            seeds.append((x, y))
        spacing *= 0.9995  # never stuck: the spacing eases off slowly
    return seeds


def _ring(cell: Polygon) -> tuple[LonLat, ...]:
    cell = shapely.orient_polygons(cell)  # counter-clockwise outer ring
    ring = [_to_lonlat(x, y) for x, y in cell.exterior.coords]
    deduplicated = [p for k, p in enumerate(ring) if k == 0 or p != ring[k - 1]]
    return tuple(deduplicated)


def _inside(rng: random.Random, area: Polygon, tries: int = 10_000) -> tuple[float, float]:
    xmin, ymin, xmax, ymax = area.bounds
    for _ in range(tries):
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if area.contains(Point(x, y)):
            return x, y
    raise AssertionError("no point found inside the area")


def _person_name(rng: random.Random) -> str:
    pool = GIVEN_FEMALE if rng.random() < 0.5 else GIVEN_MALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _id_number(rng: random.Random) -> str:
    year, month, day = rng.randint(1940, 2003), rng.randint(1, 12), rng.randint(1, 28)
    first17 = f"{COUNTY_CODE}{year:04d}{month:02d}{day:02d}{rng.randint(1, 999):03d}"
    return first17 + id_check_character(first17)


def make_sample(seed: int = 1, grids: int = 16) -> Sample:
    """The sample county for ``seed``: the same truth on every run."""
    rng = random.Random(f"gridfusion-reference-sample:{seed}")
    outline = _outline(rng)
    seeds = _seeds(rng, outline, grids)
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(seeds), extend_to=outline))
    by_seed = []
    for seed_xy in seeds:
        cell = next(c for c in cells if c.contains(Point(seed_xy)))
        by_seed.append((seed_xy, shapely.intersection(cell, outline)))

    # Streets west/east of the median seed; communities south/north within each street.
    by_seed.sort(key=lambda item: (item[0][0], item[0][1]))
    half = len(by_seed) // 2
    plans = []
    for (street_code, street_name, communities), members in zip(
        STREETS, (by_seed[:half], by_seed[half:]), strict=True
    ):
        members = sorted(members, key=lambda item: (item[0][1], item[0][0]))
        quarter = len(members) // 2
        for (community_code, community_name), group in zip(
            communities, (members[:quarter], members[quarter:]), strict=True
        ):
            group = sorted(group, key=lambda item: (-item[0][1], item[0][0]))
            for number, (_, cell) in enumerate(group, start=1):
                plans.append(
                    (street_code, street_name, community_code, community_name, number, cell)
                )

    sample_grids: list[SampleGrid] = []
    households: list[SampleHousehold] = []
    members_out: list[SampleMember] = []
    compound_names = list(COMPOUND_NAMES)
    rng.shuffle(compound_names)
    for street_code, street_name, community_code, community_name, number, cell in plans:
        grid_id = f"{COUNTY_CODE}{street_code}{community_code}{number:03d}"
        ring = _ring(cell)
        metric = _metric(ring)
        inner = metric.buffer(-30)
        points = [shapely.point_on_surface(inner)]
        points += [Point(_inside(rng, inner)) for _ in range(3)]
        test_points = tuple(_to_lonlat(p.x, p.y) for p in points)
        glon, glat = from_wgs84_arrays(
            [p[0] for p in test_points], [p[1] for p in test_points], "gcj02"
        )
        grid_type = rng.choice(("unit", "compound", "compound", "street_lane"))
        sample_grids.append(
            SampleGrid(
                grid_id=grid_id,
                name=f"{community_name}第{number}网格",
                type=grid_type,
                community_id=grid_id[:12],
                community_name=community_name,
                street_id=grid_id[:9],
                street_name=street_name,
                polygon=ring,
                test_points=test_points,
                test_points_gcj02=tuple(zip(glon.tolist(), glat.tolist(), strict=True)),
            )
        )
        households += _households(rng, grid_id, street_name, metric, compound_names)
        for _ in range(rng.randint(1, 4)):
            members_out.append(
                SampleMember(
                    member_id=f"DY{len(members_out) + 1:05d}",
                    name=_person_name(rng),
                    phone=_phone(rng),
                    grid_id=grid_id,
                    category=rng.choice(("in_work", "in_work", "retired", "mobile")),
                    id_number=_id_number(rng),
                )
            )
    sample_grids.sort(key=lambda g: g.grid_id)
    households.sort(key=lambda h: h.household_id)
    return Sample(seed, tuple(sample_grids), tuple(households), tuple(members_out))


def _households(
    rng: random.Random, grid_id: str, street_name: str, metric: Polygon, compound_names: list[str]
) -> list[SampleHousehold]:
    inside = metric.buffer(-15)
    roomy = metric.buffer(-60)
    out: list[SampleHousehold] = []

    def add(xy: tuple[float, float], address: str, compound: str) -> None:
        out.append(
            SampleHousehold(
                household_id=f"FC{grid_id[6:]}{len(out) + 1:03d}",
                address=address,
                location=_to_lonlat(*xy),
                residents=rng.choices((1, 2, 3, 4, 5, 6), weights=(6, 18, 30, 24, 14, 8))[0],
                compound=compound,
                grid_id=grid_id,
                head_name=_person_name(rng),
                phone=_phone(rng),
                id_number=_id_number(rng),
            )
        )

    for _ in range(rng.randint(1, 2)):
        compound = compound_names.pop()
        centre = _inside(rng, roomy)
        road, number = rng.choice(ROADS), rng.randrange(1, 300)
        for k in range(rng.randint(8, 18)):
            while True:
                xy = (centre[0] + rng.uniform(-30, 30), centre[1] + rng.uniform(-30, 30))
                if inside.contains(Point(xy)):
                    break
            building, unit, room = k // 8 + 1, k % 8 // 4 + 1, (k % 4 // 2 + 1) * 100 + k % 2 + 1
            add(
                xy,
                f"{COUNTY_NAME}{street_name}{road}{number}号{compound}{building}号楼{unit}单元{room}室",
                compound,
            )
    for _ in range(rng.randint(2, 5)):  # houses along the lanes, in no compound
        road = rng.choice(ROADS)
        add(_inside(rng, inside), f"{COUNTY_NAME}{street_name}{road}{rng.randrange(1, 400)}号", "")
    return out


# ---------------------------------------------------------------------------------- writing


def write_sample(
    sample: Sample,
    folder: str | Path,
    crs: str = "gcj02",
    households_format: str = "csv",
    chinese: bool = True,
    bom: bool = True,
    with_members: bool = True,
) -> Path:
    """Write the hand-over of ``sample`` into ``folder``; coordinates in ``crs`` at full
    precision, headers (and grid types, member categories) in Chinese unless ``chinese`` is
    False."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    features = []
    for grid in sample.grids:
        lons, lats = from_wgs84_arrays(
            [p[0] for p in grid.polygon], [p[1] for p in grid.polygon], crs
        )
        values = {
            "grid_id": grid.grid_id,
            "name": grid.name,
            "type": GRID_TYPES_ZH[grid.type] if chinese else grid.type,
            "community_id": grid.community_id,
            "community_name": grid.community_name,
            "street_id": grid.street_id,
            "street_name": grid.street_name,
        }
        properties = {GRID_PROPERTIES_ZH[k] if chinese else k: v for k, v in values.items()}
        ring = [[lon, lat] for lon, lat in zip(lons.tolist(), lats.tolist(), strict=True)]
        features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    (folder / "grids.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )

    lons, lats = from_wgs84_arrays(
        [h.location[0] for h in sample.households], [h.location[1] for h in sample.households], crs
    )
    household_rows = [
        [
            h.household_id,
            h.address,
            lon,  # a float: full precision in CSV, a number in a sheet
            lat,
            h.residents,
            h.compound,
            h.grid_id,
            h.head_name,
            h.phone,
            h.id_number,
        ]
        for h, lon, lat in zip(sample.households, lons.tolist(), lats.tolist(), strict=True)
    ]
    member_rows = [
        [
            m.member_id,
            m.name,
            m.phone,
            m.grid_id,
            CATEGORIES_ZH[m.category] if chinese else m.category,
            m.id_number,
        ]
        for m in sample.members
    ]
    tables = [
        ("households", HOUSEHOLD_HEADERS_ZH if chinese else HOUSEHOLD_HEADERS_EN, household_rows)
    ]
    if with_members:
        tables.append(
            ("party_members", MEMBER_HEADERS_ZH if chinese else MEMBER_HEADERS_EN, member_rows)
        )
    for stem, header, rows in tables:
        if households_format == "xlsx":
            _write_xlsx(folder / f"{stem}.xlsx", header, rows)
        else:
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer)
            writer.writerow(header)
            writer.writerows(rows)
            (folder / f"{stem}.csv").write_bytes(
                (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")
            )
    return folder


def _write_xlsx(path: Path, header: tuple[str, ...], rows: list[list[object]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("数据")
    sheet.append(list(header))
    for row in rows:  # coordinates and residents as numbers, ids and phones as text
        sheet.append(row)
    workbook.save(path)


def write_reference_sample(
    folder: str | Path, seed: int = 1, crs: str = "gcj02", households_format: str = "csv"
) -> Sample:
    """Generate the sample for ``seed``, write it into ``folder`` and return its WGS84 truth."""
    sample = make_sample(seed)
    write_sample(sample, folder, crs=crs, households_format=households_format)
    return sample


# ----------------------------------------------------------------------------- broken variants


def _shared_edges(a: tuple[LonLat, ...], b: tuple[LonLat, ...]) -> list[tuple[LonLat, LonLat]]:
    b_edges = set(itertools.pairwise(b))
    return [(p, q) for p, q in itertools.pairwise(a) if (q, p) in b_edges]


def with_overlap(
    sample: Sample, first: str | None = None, second: str | None = None
) -> tuple[Sample, tuple[str, str]]:
    """``first`` grows 25 m into ``second`` across their longest shared edge (a new vertex in
    the edge's middle, pushed into ``second``): an overlap of these two grids only."""
    if first is None or second is None:
        first, second = sample.neighbours()[0]
    a, b = sample.grid(first), sample.grid(second)
    edges = _shared_edges(a.polygon, b.polygon)
    if not edges:
        raise ValueError(f"grids {first} and {second} share no edge")
    p, q = max(edges, key=lambda e: math.dist(_to_metres(*e[0]), _to_metres(*e[1])))
    (px, py), (qx, qy) = _to_metres(*p), _to_metres(*q)
    length = math.dist((px, py), (qx, qy))
    mx, my = (px + qx) / 2, (py + qy) / 2
    nx, ny = -(qy - py) / length, (qx - px) / length
    if not _metric(b.polygon).contains(Point(mx + nx, my + ny)):
        nx, ny = -nx, -ny
    pushed = _to_lonlat(mx + 25 * nx, my + 25 * ny)
    at = next(k for k in range(len(a.polygon) - 1) if (a.polygon[k], a.polygon[k + 1]) == (p, q))
    polygon = a.polygon[: at + 1] + (pushed,) + a.polygon[at + 1 :]
    grids = tuple(replace(g, polygon=polygon) if g.grid_id == first else g for g in sample.grids)
    return replace(sample, grids=grids), (first, second)


def with_household_outside(sample: Sample) -> tuple[Sample, str]:
    """The first household moved 2 km east of the county: outside every grid."""
    target = sample.households[0]
    east = max(p[0] for g in sample.grids for p in g.polygon) + 0.022
    moved = replace(target, location=(round(east, 6), target.location[1]))
    households = tuple(moved if h is target else h for h in sample.households)
    return replace(sample, households=households), target.household_id


def with_bad_id_number(sample: Sample) -> tuple[Sample, str]:
    """The third household's id number with a wrong check character."""
    target = sample.households[2]
    right = target.id_number[-1]
    wrong = next(c for c in "0123456789X" if c != right)
    changed = replace(target, id_number=target.id_number[:-1] + wrong)
    households = tuple(changed if h is target else h for h in sample.households)
    return replace(sample, households=households), target.household_id
