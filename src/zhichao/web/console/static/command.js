/* The command-centre screen (/command): keeps the server-drawn page live.
   - the summary (counts, ranking, station states, officers on duty, alert counts) from
     GET /api/v1/command/summary every data-refresh-s seconds;
   - the alerts: GET /api/v1/alerts once, then the stream /api/v1/alerts/stream (server-sent events:
     `alert` for a new one, `alert_update` after a change), newest on top, at most data-max-alerts kept;
   - 确认 and 指派 on each alert call POST /api/v1/alerts/{id}/ack and /assign.
   Plain JavaScript, no library; everything comes from this server. */
(function () {
  "use strict";
  var screen = document.getElementById("screen");
  if (!screen) return;
  var refreshS = Number(screen.dataset.refreshS) || 20;
  var maxAlerts = Number(screen.dataset.maxAlerts) || 50;
  var counties = JSON.parse(screen.dataset.counties || "{}");
  var conditions = JSON.parse(screen.dataset.conditions || "{}");
  var tz = screen.dataset.tz || "Asia/Shanghai";
  var list = document.getElementById("alerts");
  var streamState = document.getElementById("stream-state");
  var officers = [];
  var alerts = {};

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* An RFC 3339 time (any offset) as HH:MM:SS in the display time zone. */
  function clock(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleTimeString("zh-CN", { timeZone: tz, hourCycle: "h23" });
  }

  function setText(id, text) {
    var node = document.getElementById(id);
    if (node) node.textContent = String(text);
  }

  // --- the summary ---------------------------------------------------------------------------------

  function change(today, yesterday) {
    if (!yesterday) return ["—", today ? "up" : "same"];
    var pct = (today - yesterday) * 100 / yesterday;
    var text = (pct >= 0 ? "+" : "−") + Math.abs(pct).toFixed(1) + "%";
    return [text, pct > 0 ? "up" : pct < 0 ? "down" : "same"];
  }

  function showCounts(s) {
    document.querySelectorAll("#counts .count").forEach(function (card) {
      var key = card.dataset.key;
      var today = s.today[key] || 0, yesterday = s.yesterday[key] || 0;
      var c = change(today, yesterday);
      card.querySelector(".c-today").textContent = today;
      card.querySelector(".c-yesterday").textContent = yesterday;
      var delta = card.querySelector(".c-change");
      delta.textContent = c[0];
      delta.className = "c-change trend-" + c[1];
    });
  }

  function showTop(s) {
    var body = document.querySelector("#top-stations tbody");
    body.textContent = "";
    if (!s.top_stations.length) {
      var tr = el("tr", "empty");
      var td = el("td", "", "今日暂无过车达到 " + s.top_min_trucks + " 辆的站点");
      td.colSpan = 4;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    s.top_stations.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("td", "", r.name));
      tr.appendChild(el("td", "num", r.trucks));
      tr.appendChild(el("td", "num", r.overloaded));
      tr.appendChild(el("td", "num share", (r.share * 100).toFixed(1) + "%"));
      body.appendChild(tr);
    });
  }

  var TONES = { up: "up", late: "late", down: "down" };

  function showStations(s) {
    var byId = {};
    s.stations.forEach(function (st) { byId[st.station_id] = st; });
    document.querySelectorAll("#screen-map .sdot").forEach(function (dot) {
      var st = byId[dot.dataset.station];
      if (!st) return;
      var mark = st.suspended || st.quality === "alarm" ? " is-bad" : "";
      dot.setAttribute("class", "sdot tone-" + (TONES[st.condition] || "grey") + mark);
      dot.querySelector("title").textContent = st.name + " · " + (conditions[st.condition] || st.condition);
    });
    var counts = s.station_counts;
    document.querySelectorAll("#tally li").forEach(function (li) {
      var kind = li.dataset.kind, n;
      if (kind === "suspended") n = counts.suspended;
      else n = (counts[kind] || {})[li.dataset.code] || 0;
      li.querySelector("b").textContent = n;
    });
  }

  function showDuty(s) {
    officers = s.on_duty;
    var ul = document.getElementById("duty");
    ul.textContent = "";
    setText("duty-count", officers.length);
    if (!officers.length) ul.appendChild(el("li", "empty", "暂无人员在岗"));
    officers.forEach(function (d) {
      var li = el("li");
      li.appendChild(el("span", "d-name", d.display_name));
      li.appendChild(el("span", "d-area", d.county_code ? (counties[d.county_code] || d.county_code) : "全市"));
      li.appendChild(el("span", "d-since", clock(d.since).slice(0, 5) + " 起"));
      ul.appendChild(li);
    });
    document.querySelectorAll("#alerts select.officer").forEach(fillOfficers);
  }

  function showAlertCounts(s) {
    setText("unresolved", s.alerts.unresolved);
    document.querySelectorAll(".unresolved .a-state").forEach(function (span) {
      span.querySelector("b").textContent = s.alerts.by_state[span.dataset.state] || 0;
    });
  }

  function refresh() {
    fetch("/api/v1/command/summary", { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) throw new Error("登录已过期，请重新登录");
        if (!r.ok) throw new Error("汇总数据读取失败（" + r.status + "）");
        return r.json();
      })
      .then(function (s) {
        showCounts(s);
        showTop(s);
        showStations(s);
        showDuty(s);
        showAlertCounts(s);
        setText("updated", clock(s.at));
        var until = clock(s.until).slice(0, 5);
        setText("until", until === "00:00" ? "24:00" : until);  // the hour under way is the day's last
        setText("live", "自动刷新");
        document.getElementById("live").classList.remove("is-stale");
      })
      .catch(function (e) {
        setText("live", e.message);
        document.getElementById("live").classList.add("is-stale");
      });
  }

  // --- the alerts ----------------------------------------------------------------------------------

  function fillOfficers(select) {
    var chosen = select.value;
    select.textContent = "";
    select.appendChild(el("option", "", officers.length ? "选择在岗人员" : "暂无人员在岗")).value = "";
    officers.forEach(function (d) {
      var o = el("option", "", d.display_name + (d.county_code ? "（" + (counties[d.county_code] || d.county_code) + "）" : ""));
      o.value = String(d.user_id);
      select.appendChild(o);
    });
    select.value = chosen;
  }

  function who(a) {
    var parts = [];
    if (a.assigned_to_name) parts.push("指派给 " + a.assigned_to_name);
    if (a.acked_by_name) parts.push(a.acked_by_name + " 确认");
    if (a.outcome_label) parts.push(a.outcome_label);
    return parts.join(" · ");
  }

  function act(a, action, body, li) {
    var note = li.querySelector(".a-msg");
    note.textContent = "";
    body.version = a.version;
    fetch("/api/v1/alerts/" + a.id + "/" + action, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", Accept: "application/json" }
    }).then(function (r) {
      return r.json().then(function (data) { return [r.ok, data]; });
    }).then(function (res) {
      if (res[0]) put(res[1], false);
      else note.textContent = (res[1].error && res[1].error.message) || "操作失败";
    }).catch(function () { note.textContent = "网络错误，操作未完成"; });
  }

  function render(a) {
    var li = el("li", "alert sev-" + a.severity + " st-" + a.state);
    li.id = "alert-" + a.id;
    var head = el("div", "a-head");
    head.appendChild(el("span", "a-sev", a.rule_label));
    var plate = el("a", "a-plate", a.plate);
    plate.href = "/command/trajectory?plate=" + encodeURIComponent(a.plate);
    head.appendChild(plate);
    head.appendChild(el("span", "a-station", a.station_name || a.station_id));
    head.appendChild(el("time", "a-time", clock(a.fired_at || a.captured_at)));
    li.appendChild(head);
    li.appendChild(el("p", "a-title", a.title));
    var foot = el("div", "a-foot");
    foot.appendChild(el("span", "a-state st-" + a.state, a.state_label));
    foot.appendChild(el("span", "a-who", who(a)));
    if (a.state === "open") {
      var ack = el("button", "btn-s", "确认");
      ack.type = "button";
      ack.addEventListener("click", function () { act(a, "ack", {}, li); });
      foot.appendChild(ack);
    }
    if (a.state === "open" || a.state === "acked") {
      var select = el("select", "officer");
      select.setAttribute("aria-label", "指派给");
      fillOfficers(select);
      var send = el("button", "btn-s", "指派");
      send.type = "button";
      send.addEventListener("click", function () {
        if (!select.value) { li.querySelector(".a-msg").textContent = "请选择在岗人员"; return; }
        act(a, "assign", { officer_id: Number(select.value) }, li);
      });
      foot.appendChild(select);
      foot.appendChild(send);
    }
    li.appendChild(foot);
    li.appendChild(el("p", "a-msg"));
    li.querySelector(".a-msg").setAttribute("role", "alert");
    return li;
  }

  /* A new alert goes on top; a changed one is redrawn in place (or on top when it was not shown). */
  function put(a, isNew) {
    var known = alerts[a.id];
    if (known && known.version > a.version) return;
    alerts[a.id] = a;
    var old = document.getElementById("alert-" + a.id);
    var li = render(a);
    if (old) old.replaceWith(li);
    else list.insertBefore(li, list.firstChild);
    if (isNew && !old) li.classList.add("is-new");
    while (list.children.length > maxAlerts) {
      var last = list.lastElementChild;
      delete alerts[Number(last.id.slice(6))];
      last.remove();
    }
  }

  function stream(after) {
    if (!window.EventSource) { streamState.textContent = "浏览器不支持实时推送，告警每次刷新页面时更新"; return; }
    // `after`: what was raised between reading the list and opening the stream comes first
    var source = new EventSource("/api/v1/alerts/stream?after=" + after);
    source.addEventListener("open", function () { streamState.textContent = "实时推送已连接"; });
    source.addEventListener("error", function () { streamState.textContent = "实时推送中断，正在重连…"; });
    source.addEventListener("alert", function (e) { put(JSON.parse(e.data), true); });
    source.addEventListener("alert_update", function (e) { put(JSON.parse(e.data), false); });
  }

  function loadAlerts() {
    fetch("/api/v1/alerts?limit=" + maxAlerts, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        data.alerts.slice().reverse().forEach(function (a) { put(a, false); });
        if (!data.alerts.length) streamState.textContent = "暂无告警";
        stream(data.alerts.length ? data.alerts[0].id : 0);
      })
      .catch(function (e) { streamState.textContent = "告警服务不可用（" + e.message + "）"; });
  }

  refresh();
  loadAlerts();
  window.setInterval(refresh, refreshS * 1000);
})();
