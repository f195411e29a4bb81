"""How long a case document takes to render, and how large it is, per kind.

A case action that issues a document renders it before its transaction (docs/architecture.md, "Cases"),
so this time is added to the action the officer waits for, never to the write lock. Each kind is built
from a realistic context (a 6-axle articulated train with three photos and four parties) and rendered
``--rounds`` times in a warm process; the first, cold render is reported apart.

    python bench/case_documents.py --rounds 7
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from PIL import Image

from zhichao.adapters.documents.pdf import render_pdf
from zhichao.domain.document_context import document_context, photo
from zhichao.domain.documents import DEFAULT_NUMBER_PATTERN, KINDS, Deadlines, DocumentContext, Issuer, document_number
from zhichao.domain.explain import explain_verdict
from zhichao.domain.judge import judge
from zhichao.domain.rulesets import get_rule_set
from zhichao.domain.vehicles import Vehicle

PARTIES = [
    {"role": "owner", "name": "绍兴市柯桥区顺达物流有限公司", "id_number": "91330602MA2BCDEF1Q",
     "phone": "0575-84561234", "address": "浙江省绍兴市柯桥区华舍街道纺都路 1208 号"},
    {"role": "driver", "name": "李建国", "id_number": "330621198503150033", "phone": "13905751234"},
    {"role": "enterprise", "name": "绍兴市柯桥区顺达物流有限公司", "id_number": "91330602MA2BCDEF1Q"},
    {"role": "source", "name": "诸暨市浣东建材有限公司", "address": "浙江省诸暨市浣东街道建材路 6 号"},
]


def _jpeg(size: tuple[int, int], shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (shade, shade, shade)).save(out, "JPEG", quality=85)
    return out.getvalue()


def context(kind: str) -> DocumentContext:
    gross, rules = 60_320, get_rule_set("ZJ-2020")
    verdict = judge(Vehicle(6, gross, (1, 2, 3), "articulated_train"), rules)
    record = {"plate": "苏E7K321" if kind == "transfer_letter" else "浙D12345", "plate_color": "yellow",
              "vehicle_type": "articulated_train", "axle_count": 6, "axle_groups": "1+2+3",
              "axle_weights_kg": [7_000, 10_000, 10_000, 11_000, 11_000, 11_320], "gross_weight_kg": gross,
              "captured_at": datetime(2026, 11, 26, 5, 30, tzinfo=UTC), "rule_set": rules.id,
              "limit_kg": verdict.limit_kg, "limit_basis": verdict.limit_basis, "limit_inferred": False,
              "overload_kg": verdict.overload_kg, "overload_rate_x100": verdict.overload_rate_x100}
    station = {"name": "G104 柯桥钱清超限检测站", "road": "G104", "stake": "K1587+300", "county_code": "330603",
               "cert_number": "浙量检字[2026]第0001号", "cert_valid_to": date(2027, 12, 31)}
    case = {"id": 1, "notice_code": "K7M2Q9PX", "fine_yuan": verdict.fine_yuan, "decided_on": date(2026, 12, 14)}
    return document_context(
        kind, number=document_number(DEFAULT_NUMBER_PATTERN, kind, 2026, 17), issued_on=date(2026, 12, 14),
        issuer=Issuer("绍兴市交通运输局", "通过浙里办电子缴款", "http://127.0.0.1:8000/owner"), case=case,
        record=record, station=station, parties=PARTIES, tz=ZoneInfo("Asia/Shanghai"),
        explanation=explain_verdict(gross, verdict.to_contract(), rules),
        photos=[photo("plate", _jpeg((440, 140), 200), "image/jpeg"),
                photo("side", _jpeg((1280, 720), 120), "image/jpeg"),
                photo("overview", _jpeg((1280, 720), 90), "image/jpeg")],
        deadlines=Deadlines(report_due=date(2026, 12, 29), statement_due=date(2026, 12, 21),
                            payment_due=date(2026, 12, 31), court_after=date(2027, 2, 3)),
        decision_number=document_number(DEFAULT_NUMBER_PATTERN, "decision", 2026, 9),
        transfer={"region": "苏E", "authority": "苏州市交通运输局", "long_triangle": True,
                  "transport_certificate": "苏交运管苏字 320500123456 号"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    results = {}
    started = time.perf_counter()
    render_pdf("notice", context("notice"))
    cold = time.perf_counter() - started
    for kind in KINDS:
        ctx = context(kind)
        times, size = [], 0
        for _ in range(args.rounds):
            t = time.perf_counter()
            size = len(render_pdf(kind, ctx))
            times.append(time.perf_counter() - t)
        results[kind] = {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
                         "kib": round(size / 1024)}
    print(json.dumps({"cold_first_render_s": round(cold, 3), "rounds": args.rounds, "kinds": results},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
