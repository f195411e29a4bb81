// zhichao console: keeps the 实时过车 table live by polling /api/v1/records every 5 s.
// The server renders the first page (it works without JavaScript); rows built here carry the same
// markup and classes as templates/passages.html, with the labels the server put in #live-config.
(function () {
  "use strict";

  var POLL_MS = 5000;
  var TIMEOUT_MS = 10000;

  var filters = document.querySelector("form.filters");
  if (filters) {
    filters.addEventListener("change", function () { filters.submit(); });
  }

  var table = document.getElementById("passages");
  var configNode = document.getElementById("live-config");
  var status = document.getElementById("live-status");
  if (!table || !configNode || !window.fetch) { return; }

  var cfg = JSON.parse(configNode.textContent);
  var labels = cfg.labels;
  var tbody = table.tBodies[0];
  var timer = null;
  var stopped = false;
  var inFlight = false;
  var known = idsOnScreen();

  var stamp = new Intl.DateTimeFormat("zh-CN", {
    timeZone: cfg.timezone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23"
  });

  function parts(date) {
    var out = {};
    stamp.formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }
  function shortTime(iso) {
    var p = parts(new Date(iso));
    return p.month + "-" + p.day + " " + p.hour + ":" + p.minute + ":" + p.second;
  }
  function clock() {
    var p = parts(new Date());
    return p.hour + ":" + p.minute + ":" + p.second;
  }
  // Same integer rounding as labels.tonnes: 60 325 kg → 60.33.
  function tonnes(kg) {
    var tens = Math.floor((kg + 5) / 10);
    return Math.floor(tens / 100) + "." + String(tens % 100).padStart(2, "0");
  }
  function tonnesShort(kg) { return tonnes(kg).replace(/0+$/, "").replace(/\.$/, ""); }
  // Same as labels.speed: one decimal, half-up.
  function speed(kmh) { return (Math.round(kmh * 10) / 10).toFixed(1); }

  function kindOf(v) {
    if (!v.overloaded) { return "normal"; }
    if (v.actionable) { return "actionable"; }
    return v.warning_only ? "warning" : "overloaded";
  }
  function verdictText(kind, v) {
    if (kind === "warning") { return labels.verdict.warning[v.rule_set] || labels.verdict.overloaded; }
    return labels.verdict[kind];
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function cell(className, text, title) {
    var td = el("td", className, text);
    if (title) { td.title = title; }
    return td;
  }

  function plateCell(r) {
    var td = el("td");
    if (!r.plate) {
      td.appendChild(el("span", "plate-unread", labels.unreadPlate));
      return td;
    }
    var span = el("span", "plate plate-" + r.plate_color, r.plate);
    span.title = "车牌颜色：" + (labels.plateColours[r.plate_color] || r.plate_color);
    td.appendChild(span);
    return td;
  }

  function row(r) {
    var v = r.verdict;
    var kind = kindOf(v);
    var tr = el("tr", "row-" + kind);
    tr.dataset.id = String(r.id);

    var time = el("time", null, shortTime(r.captured_at));
    time.setAttribute("datetime", r.captured_at);
    var timeCell = el("td", "time");
    timeCell.appendChild(time);
    tr.appendChild(timeCell);
    tr.appendChild(cell("station", cfg.stations[r.station_id] || r.station_id, r.station_id));
    tr.appendChild(cell("num", r.lane));
    tr.appendChild(plateCell(r));

    var axles = cell("axles", r.axle_count + " 轴", labels.vehicleTypes[r.vehicle_type] || "");
    if (r.axle_groups) {
      axles.appendChild(document.createTextNode(" "));
      axles.appendChild(el("span", "muted", r.axle_groups));
    }
    tr.appendChild(axles);
    tr.appendChild(cell("num strong", tonnes(r.gross_weight_kg)));
    tr.appendChild(cell("num", tonnesShort(v.limit_kg), v.limit_basis));
    tr.appendChild(cell("num rate", v.overloaded ? v.overload_rate_pct.toFixed(2) + "%" : "—"));

    var verdict = el("td", "verdict");
    verdict.appendChild(el("span", "badge badge-" + kind, verdictText(kind, v)));
    if (kind === "actionable") {
      verdict.appendChild(document.createTextNode(" "));
      verdict.appendChild(el("span", "fine", "罚款 " + v.fine_yuan + " 元"));
    }
    (r.size_violations || []).forEach(function (code) {
      verdict.appendChild(document.createTextNode(" "));
      verdict.appendChild(el("span", "tag", labels.sizeViolations[code] || code));
    });
    tr.appendChild(verdict);
    tr.appendChild(cell("num", speed(r.speed_kmh)));
    return tr;
  }

  function idsOnScreen() {
    var ids = new Set();
    Array.prototype.forEach.call(tbody.rows, function (tr) {
      if (tr.dataset.id) { ids.add(tr.dataset.id); }
    });
    return ids;
  }

  function setCount(name, value) {
    var node = document.querySelector('[data-count="' + name + '"]');
    if (node) { node.textContent = String(value); }
  }

  function render(records) {
    var fresh = 0;
    var counts = { shown: records.length, overloaded: 0, actionable: 0, warning: 0, unread: 0 };
    var body = document.createElement("tbody");
    records.forEach(function (r) {
      var tr = row(r);
      var kind = kindOf(r.verdict);
      if (kind !== "normal") { counts.overloaded += 1; }
      if (kind === "actionable") { counts.actionable += 1; }
      if (kind === "warning") { counts.warning += 1; }
      if (!r.plate) { counts.unread += 1; }
      if (!known.has(String(r.id))) {
        tr.classList.add("is-new");
        fresh += 1;
      }
      body.appendChild(tr);
    });
    if (!records.length) {
      var empty = el("tr", "empty");
      var td = el("td", null, "暂无过车记录");
      td.colSpan = 10;
      empty.appendChild(td);
      body.appendChild(empty);
    }
    table.replaceChild(body, tbody);
    tbody = body;
    known = idsOnScreen();
    Object.keys(counts).forEach(function (k) { setCount(k, counts[k]); });
    return fresh;
  }

  function say(text, state) {
    if (!status) { return; }
    status.hidden = false;
    status.textContent = text;
    status.className = "live" + (state ? " is-" + state : "");
  }

  function url() {
    var q = new URLSearchParams({ limit: String(cfg.limit) });
    if (cfg.overloaded) { q.set("overloaded", "true"); }
    if (cfg.station) { q.set("station", cfg.station); }
    return "/api/v1/records?" + q.toString();
  }

  function schedule() {
    clearTimeout(timer);
    if (!stopped && !document.hidden) { timer = setTimeout(poll, POLL_MS); }
  }

  function poll() {
    if (inFlight) { return; }
    inFlight = true;
    var abort = new AbortController();
    var guard = setTimeout(function () { abort.abort(); }, TIMEOUT_MS);
    fetch(url(), { credentials: "same-origin", headers: { Accept: "application/json" }, signal: abort.signal })
      .then(function (response) {
        if (response.status === 401) {
          stopped = true;
          say("登录已过期，请刷新页面重新登录", "error");
          return null;
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (!data) { return; }
        var fresh = render(data.records);
        say("实时更新中 · " + clock() + (fresh ? " · 新增 " + fresh + " 条" : ""), "on");
      })
      .catch(function () { say("连接中断，正在重试…", "error"); })
      .then(function () {
        clearTimeout(guard);
        inFlight = false;
        schedule();
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (stopped) { return; }
    if (document.hidden) {
      clearTimeout(timer);
      say("已暂停（页面在后台）");
    } else {
      poll();
    }
  });

  say("实时更新中 · 每 5 秒刷新", "on");
  schedule();
})();
