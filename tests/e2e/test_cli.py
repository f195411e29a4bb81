"""The ``zhichao`` command as an operator runs it (contract §4), in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zhichao.config import Settings


def run(settings: Settings | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHICHAO_")}
    if settings is not None:
        env["ZHICHAO_DATA_DIR"] = str(settings.data_dir)
        env["ZHICHAO_DATABASE_URL"] = settings.database_url
    return subprocess.run([sys.executable, "-m", "zhichao.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.parametrize(
    ("args", "verdict"),
    [
        (["--axles", "6", "--gross-kg", "60320"],
         {"rule_set": "ZJ-2020", "limit_kg": 49000, "limit_basis": "6轴汽车列车(双驱动轴) 超限规定第三条（按轴数推定）",
          "overload_kg": 11320, "overload_rate_pct": 23.1, "overloaded": True, "actionable": True,
          "fine_yuan": 456, "warning_only": False, "legal_basis": "浙江省公路条例第五十三条"}),
        (["--axles", "6", "--gross-kg", "80000", "--axle-groups", "1+2+3"],
         {"rule_set": "ZJ-2020", "limit_kg": 49000, "limit_basis": "6轴汽车列车(双驱动轴) 超限规定第三条",
          "overload_kg": 31000, "overload_rate_pct": 63.27, "overloaded": True, "actionable": True,
          "fine_yuan": 7660, "warning_only": False, "legal_basis": "浙江省公路条例第五十三条"}),
    ],
)
def test_judge_json_prints_exactly_the_contract_verdict(args: list[str], verdict: dict[str, object]) -> None:
    done = run(None, "judge", *args, "--json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed == verdict
    assert list(printed) == list(verdict)


def test_judge_under_mot_2016_fines_per_tonne_of_overload() -> None:
    # 49 000 limit, 52 000 gross: 3 000 kg over → 500 yuan per 1 000 kg → 1 500 yuan (LEGAL.md §4).
    done = run(None, "judge", "--axles", "6", "--gross-kg", "52000", "--drive-axle", "tandem",
               "--rule-set", "MOT-2016", "--json")
    printed = json.loads(done.stdout)
    assert (printed["fine_yuan"], printed["legal_basis"]) == (1500, "超限运输车辆行驶公路管理规定第四十三条")


def test_judge_without_json_speaks_chinese() -> None:
    done = run(None, "judge", "--axles", "2", "--gross-kg", "20000")
    assert done.returncode == 0
    assert "超限 2000 kg" in done.stdout.replace("超限：", "超限 ") and "批评教育" in done.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--axles", "1", "--gross-kg", "10000"], "invalid_axles"),
        (["--axles", "6", "--gross-kg", "0"], "invalid_gross"),
        (["--axles", "6", "--gross-kg", "50000", "--axle-groups", "1+2+2"], "axle_groups_mismatch"),
    ],
)
def test_judge_refuses_bad_input_with_a_code(args: list[str], code: str) -> None:
    done = run(None, "judge", *args)
    assert done.returncode == 2
    assert f"[{code}]" in done.stderr and done.stdout == ""


def test_station_and_user_add_print_json_once_the_schema_is_there(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d")
    refused = run(settings, "station", "add", "KQ-01", "--name", "柯桥站", "--lanes", "4", "--json")
    assert refused.returncode == 2 and "schema_out_of_date" in refused.stderr
    assert run(settings, "db", "upgrade").returncode == 0
    station = json.loads(run(settings, "station", "add", "KQ-01", "--name", "柯桥站", "--lanes", "4",
                             "--county", "330603", "--json").stdout)
    assert station["station_id"] == "KQ-01" and station["token"].startswith("zst_")
    user = json.loads(run(settings, "user", "add", "zhang", "--role", "reviewer", "--json").stdout)
    assert set(user) == {"username", "password", "token"} and user["username"] == "zhang"
    again = run(settings, "station", "add", "KQ-01", "--name", "柯桥站", "--lanes", "4")
    assert again.returncode == 2 and "station_exists" in again.stderr


def test_station_add_refuses_a_bad_county_and_changes_nothing(settings: Settings) -> None:
    done = run(settings, "station", "add", "KQ-02", "--name", "站", "--lanes", "4", "--county", "33060")
    assert done.returncode == 2 and "invalid_county" in done.stderr
    assert json.loads(run(settings, "station", "add", "KQ-02", "--name", "站", "--lanes", "4",
                          "--json").stdout)["station_id"] == "KQ-02"


def test_simulate_writes_traffic_through_the_ingest_service(settings: Settings) -> None:
    run(settings, "station", "add", "KQ-03", "--name", "站", "--lanes", "3")
    done = run(settings, "simulate", "--hours", "2", "--seed", "7")
    assert done.returncode == 0, done.stderr
    assert "接收" in done.stdout and " 0 条，重复" not in done.stdout


def test_permit_import_is_all_or_nothing_and_says_which_row_is_wrong(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("number,plate,valid_from,valid_to,roads\nP1,浙D11111,2026-11-01,2026-11-30,G104\n"
                   "P2,,2026-11-01,2026-11-30,\n", encoding="utf-8")
    refused = run(settings, "permit", "import", str(bad))
    assert refused.returncode == 2 and "invalid_permits" in refused.stderr
    good = tmp_path / "good.csv"
    good.write_text("number,plate,valid_from,valid_to,roads\nP1,浙D11111,2026-11-01,2026-11-30,G104\n",
                    encoding="utf-8")
    done = run(settings, "permit", "import", str(good))
    assert done.returncode == 0 and "已导入 1 条" in done.stdout
    again = run(settings, "permit", "import", str(good))
    assert again.returncode == 2 and "invalid_permits" in again.stderr


def test_onsite_import_reads_a_csv(settings: Settings, tmp_path: Path) -> None:
    f = tmp_path / "onsite.csv"
    f.write_text("reference,plate,handled_at,place\nR1,浙D12345,2026-11-26T10:00:00+08:00,钱清检测站\n",
                 encoding="utf-8")
    done = run(settings, "onsite", "import", str(f))
    assert done.returncode == 0, done.stderr


def test_registry_import_of_a_sample_file_and_of_a_bad_one(settings: Settings, tmp_path: Path) -> None:
    samples = Path(__file__).resolve().parents[2] / "src" / "zhichao" / "data" / "samples"
    done = run(settings, "registry", "import", "enterprise", str(samples / "enterprises.csv"))
    assert done.returncode == 0, done.stderr
    assert "道路运输企业名录：读取 5 行，新增 5，更新 0，未变 0" in done.stdout
    again = run(settings, "registry", "import", "enterprise", str(samples / "enterprises.csv"))
    assert "新增 0，更新 0，未变 5" in again.stdout
    bad = tmp_path / "drivers.csv"
    bad.write_text("id_number,name\n330602197501100128,王建国\n", encoding="utf-8")
    refused = run(settings, "registry", "import", "driver", str(bad))
    assert refused.returncode == 2 and "invalid_rows" in refused.stderr
    assert "第 2 行 id_number：公民身份号码不正确（校验位不符）" in refused.stderr


def test_db_partitions_creates_the_months_ahead_and_lists_them(settings: Settings) -> None:
    done = run(settings, "db", "partitions")
    assert done.returncode == 0, done.stderr
    if not settings.database_url:
        assert done.stdout.strip() == "SQLite 数据库不分区，无需操作"
        return
    lines = done.stdout.splitlines()
    assert lines[0].startswith("新建分区")
    listed = [line.split("\t")[0] for line in lines[1:]]
    assert listed[-1] == "records_default" and len(listed) >= 5  # this month, three ahead, the default
    again = run(settings, "db", "partitions")
    assert again.stdout.splitlines()[0] == "新建分区 0 个"


def test_db_partitions_from_a_past_month_creates_each_month_since(settings: Settings) -> None:
    bad = run(settings, "db", "partitions", "--from", "2025-13")
    assert bad.returncode == 2 and "invalid_month" in bad.stderr
    future = run(settings, "db", "partitions", "--from", "2999-01")
    assert future.returncode == 2 and "month_in_future" in future.stderr
    done = run(settings, "db", "partitions", "--from", "2024-11")
    assert done.returncode == 0, done.stderr
    if settings.database_url:
        listed = {line.split("\t")[0] for line in done.stdout.splitlines()[1:]}
        assert {"records_2024_11", "records_2024_12", "records_2025_06"} <= listed
