/* The officers' mobile pages (掌上执法): the offline queue of inspections, the signature pad, photos, the
   plate read from a photo, the duty toggle and the live alerts. Plain JavaScript, no build step.

   The queue (docs/mobile.md): an inspection is put in localStorage FIRST, then sent. It leaves the queue
   only when the server answered it (stored, a duplicate of a stored one, or refused for good). Every item
   keeps its client_id, so sending it again after a lost answer stores nothing new. */
(function () {
  "use strict";

  var QUEUE_KEY = "zhichao.inspections.queue";
  var RETRY_MS = 30000;
  var MAX_PHOTO_PX = 1280;
  var sending = null;

  function $(id) { return document.getElementById(id); }

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }

  function saveQueue(items) { localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); }

  function showQueue(note) {
    var box = $("queue");
    if (!box) { return; }
    var n = loadQueue().length;
    $("queue-count").textContent = String(n);
    if (note !== undefined) { $("queue-note").textContent = note; }
    box.hidden = n === 0;
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function dropFromQueue(clientId) {
    saveQueue(loadQueue().filter(function (item) { return item.body.client_id !== clientId; }));
  }

  function errorMessage(response) {
    return response.json().then(function (data) {
      return (data && data.error && data.error.message) || ("错误 " + response.status);
    }, function () { return "错误 " + response.status; });
  }

  /* Send the queued items one by one. Resolves with {sent: {client_id: inspection}, refused: {client_id: message}};
     stops at the first network failure, server error or expired login (the rest stay queued). */
  function flush() {
    if (sending) { return sending; }
    var outcome = { sent: {}, refused: {} };
    var items = loadQueue();
    function next(i) {
      if (i >= items.length) { return Promise.resolve(outcome); }
      var body = items[i].body;
      return fetch("/api/v1/inspections", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-Zhichao-Client": "mobile" },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (response.ok) {
          return response.json().then(function (stored) {
            dropFromQueue(body.client_id);
            outcome.sent[body.client_id] = stored;
            return next(i + 1);
          });
        }
        if (response.status === 401) {
          showQueue("登录已过期，请重新登录，登录后自动发送");
          return outcome;
        }
        if (response.status >= 500 || response.status === 429) { return outcome; }
        return errorMessage(response).then(function (message) {  // refused for good: sending again cannot help
          dropFromQueue(body.client_id);
          outcome.refused[body.client_id] = message;
          return next(i + 1);
        });
      }, function () { return outcome; });  // offline: keep everything
    }
    sending = next(0).then(function (result) {
      sending = null;
      showQueue(loadQueue().length ? "网络恢复后自动发送" : "");
      var box = $("inspect-status"), n = Object.keys(result.sent).length;
      if (box && n && !loadQueue().length && box.className.indexOf("m-alert-wait") >= 0) {
        status(box, "ok", "网络已恢复，待发送的 " + n + " 条检查记录已全部发出");
      }
      return result;
    }, function (error) { sending = null; throw error; });
    return sending;
  }

  /* ---- the signature pad ---- */
  function signaturePad(canvas) {
    var ctx = canvas.getContext("2d");
    var drawing = false, dirty = false, last = null;
    function fit() {
      var ratio = window.devicePixelRatio || 1;
      canvas.width = Math.round(canvas.clientWidth * ratio);
      canvas.height = Math.round(canvas.clientHeight * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
      dirty = false;
    }
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true; last = point(event);
      if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; dirty = true;
      event.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    fit();
    return { clear: fit, signed: function () { return dirty; }, png: function () { return canvas.toDataURL("image/png"); } };
  }

  /* A photo scaled down to MAX_PHOTO_PX on its longer side, as a JPEG data URL (some 200 KB instead of 4 MB).
     Read as a data: URL, which the pages' Content-Security-Policy allows for images (blob: it does not). */
  function shrink(file) {
    return new Promise(function (resolve, reject) {
      var failed = function () { reject(new Error("无法读取照片 " + file.name + "，请重新拍摄")); };
      var reader = new FileReader();
      reader.onerror = failed;
      reader.onload = function () {
        var img = new Image();
        img.onload = function () {
          var scale = Math.min(1, MAX_PHOTO_PX / Math.max(img.naturalWidth, img.naturalHeight));
          var canvas = document.createElement("canvas");
          canvas.width = Math.round(img.naturalWidth * scale);
          canvas.height = Math.round(img.naturalHeight * scale);
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          resolve(canvas.toDataURL("image/jpeg", 0.7));
        };
        img.onerror = failed;
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  function status(box, kind, text) {
    box.hidden = false;
    box.className = "m-alert m-alert-" + kind;
    box.textContent = text;
  }

  function inspectionForm(form) {
    var pad = signaturePad($("signature"));
    var box = $("inspect-status");
    $("sig-clear").addEventListener("click", pad.clear);
    $("i-station").addEventListener("change", function (event) {
      var option = event.target.selectedOptions[0];
      if (event.target.value) { $("i-place").value = option.textContent; }
    });
    $("i-photos").addEventListener("change", function (event) {
      var n = event.target.files.length;
      $("photo-count").textContent = n > 4 ? "最多 4 张，只发送前 4 张" : (n ? "已选 " + n + " 张" : "");
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var plate = $("i-plate").value.trim(), place = $("i-place").value.trim();
      if (!plate || !place) { status(box, "error", !plate ? "请填写车牌号" : "请填写检查地点"); return; }
      var files = Array.prototype.slice.call($("i-photos").files, 0, 4);
      $("inspect-submit").disabled = true;
      Promise.all(files.map(shrink)).then(function (photos) {
        var weight = $("i-weight").value.trim();
        var body = {
          client_id: newClientId(), channel: "handheld", plate: plate, place: place,
          inspected_at: new Date().toISOString(), result: $("i-result").value,
          measured_weight_kg: weight ? parseInt(weight, 10) : null,
          cargo: $("i-cargo").value.trim() || null, note: $("i-note").value.trim() || null,
          station_id: $("i-station").value || null,
          alert_id: form.dataset.alertId ? parseInt(form.dataset.alertId, 10) : null,
          signature_png_base64: pad.signed() ? pad.png() : null, photos_jpeg_base64: photos
        };
        var queue = loadQueue();
        queue.push({ body: body, queued_at: body.inspected_at });
        try { saveQueue(queue); } catch (e) {
          throw new Error("手机存储空间已满，无法暂存；请联网后再提交，或少选几张照片");
        }
        showQueue();
        return flush().then(function (outcome) {
          var id = body.client_id;
          if (outcome.sent[id]) {
            status(box, "ok", "检查记录已保存（" + outcome.sent[id].plate + "，" + outcome.sent[id].result_label + "）");
            form.reset(); pad.clear(); $("photo-count").textContent = "";
          } else if (outcome.refused[id]) {
            status(box, "error", "未能保存：" + outcome.refused[id]);
          } else {
            status(box, "wait", "网络不通，已存入待发送队列，联网后自动发送");
            form.reset(); pad.clear(); $("photo-count").textContent = "";
          }
        });
      }).catch(function (error) {
        status(box, "error", error.message);
      }).then(function () { $("inspect-submit").disabled = false; });
    });
  }

  /* ---- the plate read from a photo ---- */
  function platePhoto(input) {
    var note = $("photo-status");
    input.addEventListener("change", function () {
      var file = input.files[0];
      if (!file) { return; }
      note.textContent = "正在识别…";
      fetch("/api/v1/plates/read", { method: "POST", credentials: "same-origin",
                                     headers: { "Content-Type": file.type || "image/jpeg" }, body: file })
        .then(function (response) {
          if (!response.ok) { return errorMessage(response).then(function (m) { note.textContent = m; }); }
          return response.json().then(function (found) {
            if (!found.plate) { note.textContent = "照片中没有识别出车牌，请手工输入"; return; }
            $("m-plate").value = found.plate;
            note.textContent = "识别结果：" + found.plate + "，请核对后点查询";
          });
        }, function () { note.textContent = "网络不通，请手工输入车牌号"; })
        .then(function () { input.value = ""; });
    });
  }

  /* ---- on duty / off duty ---- */
  function dutyToggle(section) {
    var button = $("duty-toggle"), note = $("duty-status");
    button.addEventListener("click", function () {
      var on = section.dataset.on !== "true";
      var county = $("duty-county").value || null;
      fetch("/api/v1/duty", { method: "POST", credentials: "same-origin",
                              headers: { "Content-Type": "application/json" },
                              body: JSON.stringify({ on: on, county: county }) })
        .then(function (response) {
          if (response.status === 404 || response.status === 405) { note.textContent = "值班功能暂不可用"; return; }
          if (!response.ok) { return errorMessage(response).then(function (m) { note.textContent = m; }); }
          section.dataset.on = on ? "true" : "false";
          var area = $("duty-county").selectedOptions[0].textContent;
          $("duty-state").textContent = on ? "在岗（" + area + "）" : "未上岗";
          button.textContent = on ? "下岗" : "上岗";
          note.textContent = on ? "已上岗，将收到本区域的告警与指派" : "已下岗";
        }, function () { note.textContent = "网络不通，请稍后再试"; });
    });
  }

  /* ---- alerts and dispatches ---- */
  var OUTCOMES = [["intercepted", "已拦截"], ["inspected", "已检查"], ["not_found", "未找到车辆"], ["false_alarm", "误报"]];

  function alertItem(alert, me) {
    var li = document.createElement("li");
    li.id = "alert-" + alert.id;
    li.className = "sev-" + alert.severity;
    var title = document.createElement("b");
    title.textContent = alert.title;
    var meta = document.createElement("p");
    meta.className = "m-hint";
    meta.textContent = [alert.plate, alert.station_name || alert.station_id, (alert.fired_at || "").slice(5, 16).replace("T", " "),
                        alert.state_label || alert.state, alert.assigned_to_name ? "指派：" + alert.assigned_to_name : ""]
      .filter(Boolean).join(" · ");
    li.appendChild(title); li.appendChild(meta);
    var actions = document.createElement("div");
    actions.className = "m-actions";
    function button(label, handler) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "m-btn"; b.textContent = label;
      b.addEventListener("click", handler);
      actions.appendChild(b);
    }
    if (alert.state === "open") { button("确认", function () { act(alert, "ack", null); }); }
    if (alert.state === "dispatched" && alert.assigned_to === me) {
      button("接受指派", function () { act(alert, "accept", null); });
    }
    if (alert.state !== "resolved") {
      var select = document.createElement("select");
      select.setAttribute("aria-label", "处置结果");
      OUTCOMES.forEach(function (o) { var opt = document.createElement("option"); opt.value = o[0]; opt.textContent = o[1]; select.appendChild(opt); });
      actions.appendChild(select);
      button("处置结果", function () { act(alert, "resolve", { outcome: select.value, note: "", version: alert.version }); });
    } else if (alert.outcome_label) {
      meta.textContent += " · " + alert.outcome_label;
    }
    var link = document.createElement("a");
    link.className = "m-btn"; link.textContent = "现场检查";
    link.href = "/m/inspect?plate=" + encodeURIComponent(alert.plate || "") + "&alert=" + alert.id;
    actions.appendChild(link);
    li.appendChild(actions);
    return li;
  }

  function act(alert, action, body) {
    fetch("/api/v1/alerts/" + alert.id + "/" + action, {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || { version: alert.version })
    }).then(function (response) {
      if (!response.ok) { return errorMessage(response).then(function (m) { $("alerts-status").textContent = m; }); }
      return response.json().then(showAlert);
    }, function () { $("alerts-status").textContent = "网络不通，请稍后再试"; });
  }

  function showAlert(alert) {
    var list = $("alerts"), me = parseInt(list.dataset.userId, 10);
    var item = alertItem(alert, me), old = $("alert-" + alert.id);
    if (old) { list.replaceChild(item, old); } else { list.insertBefore(item, list.firstChild); }
  }

  function alertsPage(list) {
    var note = $("alerts-status");
    fetch("/api/v1/alerts?limit=50", { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { note.textContent = response.status === 404 ? "告警服务暂不可用" : "告警加载失败"; return; }
      return response.json().then(function (data) {
        data.alerts.slice().reverse().forEach(showAlert);
        note.textContent = data.alerts.length ? "" : "暂无告警";
        if (window.EventSource) {
          // `after`: what was raised between reading the list and opening the stream comes first
          var stream = new EventSource("/api/v1/alerts/stream?after=" + (data.alerts.length ? data.alerts[0].id : 0));
          ["alert", "alert_update"].forEach(function (name) {
            stream.addEventListener(name, function (event) { note.textContent = ""; showAlert(JSON.parse(event.data)); });
          });
        }
      });
    }, function () { note.textContent = "网络不通，联网后刷新本页"; });
    list.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    showQueue();
    flush();
    window.addEventListener("online", flush);
    window.setInterval(flush, RETRY_MS);
    if ($("inspect-form")) { inspectionForm($("inspect-form")); }
    if ($("plate-photo")) { platePhoto($("plate-photo")); }
    if ($("duty")) { dutyToggle($("duty")); }
    if ($("alerts")) { alertsPage($("alerts")); }
    Array.prototype.forEach.call(document.querySelectorAll(".m-bar span[data-share]"), function (bar) {
      bar.style.width = bar.dataset.share + "%";
    });
  });
}());
