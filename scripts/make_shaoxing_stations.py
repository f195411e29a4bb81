"""Regenerate ``src/zhichao/data/shaoxing_stations.json``: the demo Shaoxing WIM station network.

The sites are illustrative, not the bureau's register: each sits on a national (G), provincial (S) or
county (X) road near a real town of the right county, with approximate coordinates, a plausible
kilometre stake and a JJG 907 verification certificate. The output is deterministic (fixed seed), so
running ``.venv/bin/python scripts/make_shaoxing_stations.py`` again yields the same file.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

SEED = 20261126
TOTAL_LANES = 359
AS_OF = date(2026, 11, 26)  # certificate states are arranged relative to this day
OUT = Path(__file__).resolve().parent.parent / "src" / "zhichao" / "data" / "shaoxing_stations.json"

# county code -> (short name used in station names, id prefix)
COUNTIES: dict[str, tuple[str, str]] = {
    "330602": ("越城", "YC"),
    "330603": ("柯桥", "KQ"),
    "330604": ("上虞", "SY"),
    "330624": ("新昌", "XC"),
    "330681": ("诸暨", "ZJ"),
    "330683": ("嵊州", "SZ"),
}

# (county, road, town, lat, lon, stake km). Towns are real; coordinates are approximate town
# locations; stakes are estimates along each road's national/provincial numbering.
SITES: list[tuple[str, str, str, float, float, float]] = [
    ("330602", "G104", "东湖", 30.0050, 120.6300, 1551.5),
    ("330602", "G104", "皋埠", 30.0050, 120.6800, 1556.2),
    ("330602", "G104", "陶堰", 30.0100, 120.7350, 1562.8),
    ("330602", "G329", "袍江", 30.0700, 120.6200, 47.3),
    ("330602", "G329", "斗门", 30.0900, 120.6600, 51.9),
    ("330602", "G329", "皋埠", 30.0350, 120.6950, 54.6),
    ("330602", "G228", "马山", 30.1200, 120.6400, 3596.4),
    ("330602", "G228", "孙端", 30.1050, 120.7200, 3603.1),
    ("330602", "X301", "富盛", 29.9350, 120.7000, 6.4),
    ("330602", "X302", "东浦", 30.0400, 120.5400, 3.8),
    ("330602", "X303", "灵芝", 30.0400, 120.6000, 4.2),
    ("330602", "X305", "城南", 29.9700, 120.5900, 2.7),
    ("330603", "G104", "杨汛桥", 30.1120, 120.3180, 1516.8),
    ("330603", "G104", "钱清", 30.0980, 120.3720, 1521.6),
    ("330603", "G104", "华舍", 30.0850, 120.4400, 1527.3),
    ("330603", "G104", "柯岩", 30.0500, 120.4850, 1532.9),
    ("330603", "G329", "安昌", 30.1130, 120.4300, 29.1),
    ("330603", "G329", "齐贤", 30.1320, 120.4700, 33.4),
    ("330603", "G329", "马鞍", 30.1500, 120.5350, 39.8),
    ("330603", "S308", "福全", 29.9850, 120.5050, 15.7),
    ("330603", "S308", "兰亭", 29.9650, 120.5480, 10.2),
    ("330603", "S308", "漓渚", 29.9350, 120.4700, 21.3),
    ("330603", "S311", "平水", 29.9050, 120.6250, 14.5),
    ("330603", "S311", "王坛", 29.7700, 120.6400, 31.2),
    ("330603", "X311", "夏履", 30.0300, 120.3200, 8.6),
    ("330603", "X312", "湖塘", 30.0120, 120.4780, 4.1),
    ("330603", "X313", "稽东", 29.7780, 120.5600, 12.3),
    ("330603", "X314", "杨汛桥", 30.1050, 120.3050, 2.9),
    ("330603", "X315", "马鞍", 30.1600, 120.5500, 5.5),
    ("330604", "G329", "道墟", 30.0350, 120.7900, 57.2),
    ("330604", "G329", "曹娥", 30.0050, 120.8480, 62.4),
    ("330604", "G329", "百官", 30.0350, 120.8800, 66.8),
    ("330604", "G329", "驿亭", 30.0600, 120.9750, 76.5),
    ("330604", "G104", "东关", 30.0100, 120.7900, 1568.2),
    ("330604", "G104", "蒿坝", 29.8850, 120.8200, 1578.6),
    ("330604", "G228", "崧厦", 30.1150, 120.8800, 3606.3),
    ("330604", "G228", "盖北", 30.1500, 120.9500, 3612.7),
    ("330604", "G228", "谢塘", 30.1050, 121.0000, 3619.5),
    ("330604", "S213", "丰惠", 29.9500, 120.9300, 4.8),
    ("330604", "S213", "章镇", 29.8450, 120.8900, 12.6),
    ("330604", "S213", "下管", 29.7700, 120.9300, 24.1),
    ("330604", "X321", "永和", 29.9850, 121.0000, 7.3),
    ("330604", "X322", "汤浦", 29.9000, 120.7600, 5.2),
    ("330604", "X323", "长塘", 30.0200, 121.0500, 9.8),
    ("330604", "X324", "岭南", 29.8300, 120.9800, 15.6),
    ("330604", "X325", "梁湖", 29.9850, 120.8500, 3.4),
    ("330604", "X326", "小越", 30.0900, 121.0200, 6.1),
    ("330624", "G104", "南明", 29.4980, 120.9050, 1625.4),
    ("330624", "G104", "七星", 29.5150, 120.9350, 1628.3),
    ("330624", "G104", "儒岙", 29.3700, 120.9250, 1651.6),
    ("330624", "S212", "澄潭", 29.4400, 120.8300, 21.7),
    ("330624", "S212", "镜岭", 29.3900, 120.8300, 28.4),
    ("330624", "X341", "小将", 29.5400, 121.0600, 14.2),
    ("330624", "X342", "回山", 29.4000, 120.9900, 18.9),
    ("330681", "G235", "次坞", 29.9350, 120.2150, 862.4),
    ("330681", "G235", "浣东", 29.7400, 120.2500, 881.0),
    ("330681", "G235", "王家井", 29.6550, 120.2050, 889.7),
    ("330681", "G235", "牌头", 29.5900, 120.1900, 897.2),
    ("330681", "G235", "安华", 29.5400, 120.1500, 903.5),
    ("330681", "S310", "店口", 29.9550, 120.3350, 8.6),
    ("330681", "S310", "江藻", 29.8800, 120.2900, 17.2),
    ("330681", "S310", "山下湖", 29.8200, 120.3000, 24.5),
    ("330681", "S310", "直埠", 29.7850, 120.2950, 29.3),
    ("330681", "S211", "枫桥", 29.6900, 120.3900, 16.4),
    ("330681", "S211", "璜山", 29.5600, 120.3200, 31.8),
    ("330681", "X351", "大唐", 29.6300, 120.1000, 6.7),
    ("330681", "X352", "同山", 29.5900, 120.0200, 13.5),
    ("330681", "X353", "五泄", 29.7200, 120.0500, 11.2),
    ("330681", "X354", "草塔", 29.6400, 120.1600, 4.9),
    ("330681", "X355", "岭北", 29.6200, 120.5300, 22.6),
    ("330681", "X356", "马剑", 29.8450, 120.0100, 17.8),
    ("330681", "X357", "应店街", 29.8700, 120.1350, 8.3),
    ("330681", "X358", "姚江", 29.7800, 120.2300, 3.6),
    ("330683", "G104", "三界", 29.7750, 120.8500, 1589.7),
    ("330683", "G104", "仙岩", 29.6800, 120.8700, 1599.4),
    ("330683", "G104", "鹿山", 29.5850, 120.8500, 1611.2),
    ("330683", "G104", "浦口", 29.5750, 120.8700, 1614.8),
    ("330683", "S212", "甘霖", 29.5350, 120.7700, 8.3),
    ("330683", "S213", "黄泽", 29.6300, 120.9500, 38.6),
    ("330683", "S311", "谷来", 29.7000, 120.6800, 40.5),
    ("330683", "S311", "崇仁", 29.6250, 120.7000, 49.1),
    ("330683", "S311", "长乐", 29.6200, 120.6400, 56.3),
    ("330683", "X361", "金庭", 29.5400, 120.9500, 9.4),
    ("330683", "X362", "石璜", 29.4800, 120.7000, 7.7),
    ("330683", "X363", "贵门", 29.5100, 120.5900, 15.1),
]

# The two travel directions a single-direction site may watch, by road.
HEADINGS: dict[str, tuple[str, str]] = {
    "G104": ("往杭州方向", "往台州方向"),
    "G329": ("往杭州方向", "往宁波方向"),
    "G228": ("往杭州方向", "往宁波方向"),
    "G235": ("往杭州方向", "往义乌方向"),
}
BODIES = [("绍兴市质量技术监督检测院", 7), ("浙江省计量科学研究院", 2), ("浙江方圆检测集团股份有限公司", 1)]


def lane_choices(road: str) -> tuple[list[int], list[int]]:
    """Lane counts and their weights by road class (national roads are wider)."""
    if road.startswith("G"):
        return [3, 4, 5, 6, 8], [1, 6, 1, 9, 4]
    if road.startswith("S"):
        return [2, 3, 4, 6], [2, 1, 6, 2]
    return [1, 2, 3, 4], [1, 6, 1, 3]


def fit_lanes(rng: random.Random, lanes: list[int]) -> None:
    """Nudge lane counts (within 2–8) until they sum to TOTAL_LANES.

    Steps of two keep two-way sites symmetric; a last odd lane goes to a site that already has an odd
    count (a one-way or an extra climbing lane), so no new odd site appears.
    """
    while abs(TOTAL_LANES - sum(lanes)) >= 2:
        i = rng.randrange(len(lanes))
        step = 2 if sum(lanes) < TOTAL_LANES else -2
        if 2 <= lanes[i] + step <= 8:
            lanes[i] += step
    if sum(lanes) != TOTAL_LANES:
        step = TOTAL_LANES - sum(lanes)
        odd = [i for i, n in enumerate(lanes) if n % 2 and 1 <= n + step <= 8]
        lanes[rng.choice(odd)] += step


def certificate(rng: random.Random, number: int, state: str) -> dict[str, str]:
    """A one-year JJG 907 certificate; `state` is "valid", "expired" or "future" as of AS_OF."""
    if state == "expired":
        start = AS_OF - timedelta(days=rng.randint(380, 560))
    elif state == "future":
        start = AS_OF + timedelta(days=rng.randint(3, 40))
    else:
        start = AS_OF - timedelta(days=rng.randint(20, 330))
    start = start.replace(day=min(start.day, 28))  # avoid 29 February one year on
    bodies, weights = zip(*BODIES, strict=True)
    return {
        "number": f"浙量检字[{min(start.year, AS_OF.year)}]第{number:04d}号",
        "body": rng.choices(bodies, weights)[0],
        "valid_from": start.isoformat(),
        "valid_to": start.replace(year=start.year + 1).isoformat(),
    }


def direction(rng: random.Random, road: str, lanes: int) -> str:
    """Most sites weigh both carriageways; one-lane and some odd-lane sites watch one heading."""
    if lanes >= 2 and (lanes % 2 == 0 or rng.random() < 0.5):
        return "双向"
    return rng.choice(HEADINGS.get(road, ("往城区方向", "出城方向")))


def station(rng: random.Random, index: int, site: tuple[str, str, str, float, float, float],
            lanes: int, cert_state: str, state: str) -> dict[str, object]:
    county, road, town, lat, lon, stake = site
    short, prefix = COUNTIES[county]
    metres = round(stake * 1000) + rng.choice([0, 100, 200, 300, 500, 800])
    opened = date(2019, 3, 1) + timedelta(days=rng.randint(0, 2400 if road[0] != "G" else 1500))
    return {
        "station_id": f"SX-{prefix}-{index:03d}",
        "name": f"{road} {short}{town} 治超检测点",
        "kind": "site",
        "county_code": county,
        "road": road,
        "stake": f"K{metres // 1000}+{metres % 1000:03d}",
        "lanes": lanes,
        "direction": direction(rng, road, lanes),
        "lat": round(lat + rng.uniform(-0.006, 0.006), 5),
        "lon": round(lon + rng.uniform(-0.006, 0.006), 5),
        "accuracy_class": rng.choices(["5", "2", "10"], [80, 12, 8])[0],
        "certificate": certificate(rng, rng.randint(1000, 9999), cert_state),
        "speed_range_kmh": rng.choices([[5, 100], [3, 120], [10, 80]], [7, 2, 1])[0],
        "state": state,
        "opened_on": opened.isoformat(),
    }


def build(rng: random.Random) -> dict[str, object]:
    lanes = [rng.choices(*lane_choices(site[1]))[0] for site in SITES]
    fit_lanes(rng, lanes)
    picks = rng.sample(range(len(SITES)), 8)
    cert_states = dict.fromkeys(picks[:3], "expired") | {picks[3]: "future"}
    states = dict.fromkeys(picks[4:7], "repair") | {picks[7]: "stopped"}
    counters = dict.fromkeys(COUNTIES, 0)
    stations = []
    for i, site in enumerate(SITES):
        counters[site[0]] += 1
        stations.append(station(rng, counters[site[0]], site, lanes[i],
                                cert_states.get(i, "valid"), states.get(i, "enabled")))
    return {
        "demo": True,
        "note": "演示数据：站点为示意性虚构，并非绍兴市交通运输局的真实设备台账。"
                "Illustrative demo sites, not the bureau's real register.",
        "city": "绍兴市",
        "stations": stations,
    }


def main() -> None:
    data = build(random.Random(SEED))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(SITES)} sites)")


if __name__ == "__main__":
    main()
