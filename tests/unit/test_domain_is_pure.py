"""The domain imports no framework (STYLE.md habit 1), checked in a fresh interpreter."""

import json
import subprocess
import sys

FRAMEWORKS = ("sqlalchemy", "fastapi", "pydantic", "msgspec", "starlette")

SCRIPT = f"""
import importlib, json, pkgutil, sys
import zhichao.domain as domain
names = [m.name for m in pkgutil.iter_modules(domain.__path__, "zhichao.domain.")]
for name in names:
    importlib.import_module(name)
top_level = {{m.partition(".")[0] for m in sys.modules}}
print(json.dumps({{"modules": names, "loaded": sorted(top_level & set({FRAMEWORKS!r}))}}))
"""


def test_importing_every_domain_module_loads_no_framework():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    report = json.loads(result.stdout)
    expected = {"judge", "limits", "plates", "rulesets", "vehicles", "errors"}
    assert {f"zhichao.domain.{name}" for name in expected} <= set(report["modules"])
    assert report["loaded"] == []
