"""The filters of the console's lists, read from the query string by one function per list: the page and its
export (``export_pages.py``) both call it, so an export holds what its page lists.

A filter gives its parameters (``params``): the export links carry them (``filter_query``) and an export's
audit entry records them (``filter_audit``), as applied, after unusable values were dropped. A date that is
not a date, or a period that ends before it starts, is refused (400, ``invalid_date`` / ``period_reversed``)
rather than silently replaced: a list or a file for another period than the one asked for would mislead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import Protocol
from urllib.parse import urlencode

from zhichao.domain.inspections import CHANNELS
from zhichao.domain.kpis import CASE_GROUPS
from zhichao.domain.plates import normalize_plate
from zhichao.services.entrance import day_span
from zhichao.services.errors import InvalidInput
from zhichao.services.ports import CaseQuery
from zhichao.web.console import case_view as V
from zhichao.web.console import labels as L

INSPECTION_DAYS = 30  # the inspections list's default period, ending today
_TRUE = frozenset({"1", "true", "on", "yes"})


def day_field(text: str, field: str) -> date | None:
    """The day in a filter field (``YYYY-MM-DD``), None when it is empty."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("invalid_date", f"日期格式不正确：{text[:32]}，应为 YYYY-MM-DD，如 2026-11-26",
                           {"field": field, "value": text[:32]}) from None


def check_order(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput("period_reversed", "结束日期不能早于开始日期",
                           {"from": start.isoformat(), "to": end.isoformat()})


class ListFilter(Protocol):
    def params(self) -> dict[str, str]:
        """The filter as query parameters; "" where it does not narrow the list."""


def filter_audit(f: ListFilter) -> dict[str, str]:
    """The parameters that narrow the list, as an export's audit entry records them."""
    return {k: v for k, v in f.params().items() if v}


def filter_query(f: ListFilter) -> str:
    """The query string that asks for the same filter (the export links carry it)."""
    return urlencode(filter_audit(f))


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


@dataclass(frozen=True, slots=True)
class PassageFilter:
    """实时过车: only overloads, one station, the local days captured (either end may be open)."""

    overloaded: bool = False
    station_id: str = ""
    start: date | None = None
    end: date | None = None

    def params(self) -> dict[str, str]:
        return {"overloaded": "1" if self.overloaded else "", "station": self.station_id,
                "start": _iso(self.start), "end": _iso(self.end)}


def passage_filter(params: Mapping[str, str]) -> PassageFilter:
    start, end = day_field(params.get("start", ""), "start"), day_field(params.get("end", ""), "end")
    check_order(start, end)
    return PassageFilter(params.get("overloaded", "").lower() in _TRUE, params.get("station", "").strip()[:32],
                         start, end)


LOCALITIES = {"local": "本地车辆", "non_local": "外地车辆"}


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """The case list's filter as the query string carries it; values that cannot be used are dropped, a
    malformed date is refused. The opening period, county, locality and outcome group are what the KPI
    dashboard's links carry (the cases behind KPI 3 and 4)."""

    state: str = ""
    plate: str = ""
    due: str = ""
    opened_from: date | None = None
    opened_to: date | None = None
    county: str = ""
    local: str = ""  # "local", "non_local" or ""
    outcome: str = ""  # a key of domain/kpis.py CASE_GROUPS or ""

    def params(self) -> dict[str, str]:
        return {"state": self.state, "plate": self.plate, "due": self.due, "opened_from": _iso(self.opened_from),
                "opened_to": _iso(self.opened_to), "county": self.county, "local": self.local,
                "outcome": self.outcome}

    def due_by(self, today: date) -> date | None:
        """The last deadline the list shows (None: any case, deadline or not)."""
        return today + timedelta(days=V.DUE_FILTERS[self.due][1]) if self.due else None

    def plate_text(self) -> str | None:
        """The plate as stored (normalised as ingest normalises it), or None for every plate."""
        return (normalize_plate(self.plate).text or self.plate) if self.plate else None

    def query(self, today: date, tz: tzinfo, local_prefixes: Sequence[str]) -> CaseQuery:
        since = day_span(tz, self.opened_from, self.opened_from)[0] if self.opened_from else None
        until = day_span(tz, self.opened_to, self.opened_to)[1] if self.opened_to else None
        return CaseQuery(self.state or None, self.plate_text(), self.due_by(today), since, until,
                         self.county or None, {"local": True, "non_local": False}.get(self.local),
                         tuple(local_prefixes), CASE_GROUPS.get(self.outcome))


def case_filter_of(params: Mapping[str, str]) -> CaseFilter:
    start = day_field(params.get("opened_from", ""), "opened_from")
    end = day_field(params.get("opened_to", ""), "opened_to")
    check_order(start, end)
    state, due, county = params.get("state", ""), params.get("due", ""), params.get("county", "")
    local, outcome = params.get("local", ""), params.get("outcome", "")
    return CaseFilter(state if state in L.CASE_STATES else "", params.get("plate", "").strip()[:16],
                      due if due in V.DUE_FILTERS else "", start, end, county if county in L.COUNTIES else "",
                      local if local in LOCALITIES else "", outcome if outcome in CASE_GROUPS else "")


@dataclass(frozen=True, slots=True)
class InspectionFilter:
    """检查记录: the local days (both ends known), a county and a channel ("" for all)."""

    start: date
    end: date
    county: str = ""
    channel: str = ""

    def params(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "county": self.county,
                "channel": self.channel}


def inspection_filter(params: Mapping[str, str], today: date) -> InspectionFilter:
    """``end`` defaults to today and ``start`` to 30 days before it; unknown counties and channels are dropped."""
    start, end = day_field(params.get("start", ""), "start"), day_field(params.get("end", ""), "end")
    last = end or today
    first = start or last - timedelta(days=INSPECTION_DAYS - 1)
    check_order(first, last)
    county, channel = params.get("county", ""), params.get("channel", "")
    return InspectionFilter(first, last, county if county in L.COUNTIES else "",
                            channel if channel in CHANNELS else "")


@dataclass(frozen=True, slots=True)
class TransferFilter:
    """抄告: a state (sent, or an outcome) and the 长三角 region ("" for all)."""

    state: str = ""
    region: str = ""

    def params(self) -> dict[str, str]:
        return {"state": self.state, "region": self.region}

    @property
    def long_triangle(self) -> bool | None:
        return True if self.region == "long_triangle" else None


def transfer_filter(params: Mapping[str, str], states: Mapping[str, str]) -> TransferFilter:
    state, region = params.get("state", ""), params.get("region", "")
    return TransferFilter(state if state in states else "", region if region == "long_triangle" else "")
