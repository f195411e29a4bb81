"""The domain's error tree, translated once at the edge into an HTTP status and a Chinese message.

    ZhichaoError                code, message (Chinese), details; services/errors.py adds ServiceError
    └── DomainError             code "domain_error"
     ├── UnknownRuleSet         code "unknown_rule_set"   no rule set has that id
     ├── InvalidRuleSet         code "invalid_rule_set"   a rule set's parameters are inconsistent
     └── InvalidVehicle         code "invalid_vehicle"    the vehicle cannot be judged (axle count, groups)

`code` is stable English for machines and logs; `message` is Chinese for people.
"""

from __future__ import annotations


class ZhichaoError(Exception):
    """Base of every error zhichao raises on purpose: a stable English ``code``, a Chinese ``message``
    for people, and optional ``details`` (JSON-able) saying exactly what was wrong."""

    code: str = "error"

    def __init__(self, code: str | None = None, message: str = "", details: object = None) -> None:
        super().__init__(message or code or self.code)
        if code is not None:
            self.code = code
        self.message = message
        self.details = details


class DomainError(ZhichaoError):
    """Base of every error the domain raises on purpose."""

    code: str = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


class UnknownRuleSet(DomainError):
    """No rule set is registered under the requested id."""

    code = "unknown_rule_set"

    def __init__(self, rule_set_id: str) -> None:
        super().__init__(f"未知的处罚规则集：{rule_set_id}")
        self.rule_set_id = rule_set_id


class InvalidRuleSet(DomainError):
    """A rule set was built with parameters the judgement cannot use."""

    code = "invalid_rule_set"


class InvalidVehicle(DomainError):
    """The vehicle's description cannot be judged (e.g. fewer than 2 axles, malformed axle groups)."""

    code = "invalid_vehicle"
