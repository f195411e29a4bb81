// zhichao review workbench (审核): keyboard shortcuts, the photo viewer, and decisions through the JSON API.
// The pages work without this script (links and plain forms); here the same forms are sent to
// /api/v1/reviews/…/decision with the item's version, and the next record of the filter opens.
(function () {
  "use strict";

  // The queue's filters apply on change; empty fields are left out of the address.
  var filters = document.querySelector("form.review-filters");
  function applyFilters(event) {
    if (event) { event.preventDefault(); }
    var query = new URLSearchParams();
    new FormData(filters).forEach(function (value, name) {
      if (value && !(name === "state" && value === "open")) { query.append(name, value); }
    });
    window.location.assign(filters.getAttribute("action") + (query.toString() ? "?" + query.toString() : ""));
  }
  if (filters) {
    filters.addEventListener("change", function () { applyFilters(); });
    filters.addEventListener("submit", applyFilters);
  }

  var configNode = document.getElementById("review-config");
  if (!configNode) { return; }
  var cfg = JSON.parse(configNode.textContent);
  var messageNode = document.getElementById("review-message");
  var rejectForm = document.getElementById("reject-form");
  var sendBackForm = document.getElementById("send-back-form");
  var approveForm = document.querySelector("form.approve-form");
  var help = document.getElementById("help");
  var busy = false;

  function say(text, kind) {
    if (!messageNode) { return; }
    messageNode.textContent = text;
    messageNode.className = "alert " + (kind === "info" ? "alert-info" : "alert-error");
    messageNode.hidden = false;
    messageNode.classList.remove("is-flash");
    void messageNode.offsetWidth; // restart the flash animation
    messageNode.classList.add("is-flash");
  }

  function isTyping(node) {
    if (!node || !node.tagName) { return false; }
    var tag = node.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || node.isContentEditable) { return true; }
    if (tag !== "input") { return false; }
    return ["radio", "checkbox", "button", "submit", "reset", "hidden"].indexOf(node.type) < 0;
  }

  // --- decisions -------------------------------------------------------------------------------

  function payload(form) {
    var data = new FormData(form);
    var body = { action: form.dataset.action, version: cfg.version };
    var reason = data.get("reason_code");
    var note = (data.get("note") || "").trim();
    if (reason) { body.reason_code = reason; }
    if (note) { body.note = note; }
    return body;
  }

  function setBusy(on) {
    busy = on;
    document.querySelectorAll("form.decision button").forEach(function (b) {
      if (on) { b.dataset.wasDisabled = b.disabled ? "1" : ""; b.disabled = true; }
      else { b.disabled = b.dataset.wasDisabled === "1"; }
    });
  }

  function send(form) {
    if (busy) { return; }
    setBusy(true);
    say("正在提交…", "info");
    fetch(cfg.decisionUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload(form))
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (answer) {
      if (answer.status === 200) {
        window.location.assign(cfg.next + "&done=" + encodeURIComponent(form.dataset.action));
        return;
      }
      var error = (answer.data && answer.data.error) || {};
      if (answer.status === 409 && (error.code === "already_reviewed" || error.code === "illegal_transition")) {
        say(cfg.conflict + "，正在重新载入…");
        window.setTimeout(function () { window.location.reload(); }, 1500);
        return;
      }
      if (answer.status === 401) {
        say("登录已过期，请刷新页面重新登录");
      } else {
        say(error.message || ("提交失败（HTTP " + answer.status + "）"));
      }
      setBusy(false);
    }).catch(function () {
      say("网络连接中断，决定未提交，请重试");
      setBusy(false);
    });
  }

  document.querySelectorAll("form.decision").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(form);
    });
  });

  function approve() {
    if (!cfg.canDecide) { say(cfg.readonly); return; }
    if (cfg.blocked) {
      say(cfg.blockedMessage);
      var note = document.getElementById("blocked-note");
      if (note) { note.classList.remove("is-flash"); void note.offsetWidth; note.classList.add("is-flash"); }
      return;
    }
    if (approveForm) { send(approveForm); }
  }

  // --- the reject picker -----------------------------------------------------------------------

  function armed() { return rejectForm && rejectForm.classList.contains("is-armed"); }

  function arm() {
    if (!cfg.canDecide || !rejectForm) { say(cfg.readonly || "当前不能作废"); return; }
    rejectForm.classList.add("is-armed");
    rejectForm.scrollIntoView({ block: "nearest" });
    var chosen = rejectForm.querySelector("input[name=reason_code]:checked") ||
      rejectForm.querySelector("input[name=reason_code]");
    if (chosen) { chosen.focus(); }
  }

  function disarm() {
    if (rejectForm) { rejectForm.classList.remove("is-armed"); }
    if (document.activeElement && document.activeElement.blur) { document.activeElement.blur(); }
  }

  function pickReason(key) {
    var code = cfg.reasonKeys[key];
    var input = code && rejectForm.querySelector("input[name=reason_code][value='" + code + "']");
    if (input) { input.checked = true; input.focus(); }
  }

  if (rejectForm) {
    rejectForm.addEventListener("focusin", function () { rejectForm.classList.add("is-armed"); });
  }

  function sendBack() {
    if (!cfg.secondReview) { say("退回初审只能在复审时使用"); return; }
    if (!cfg.canDecide || !sendBackForm) { say(cfg.readonly); return; }
    var note = document.getElementById("send-back-note");
    note.scrollIntoView({ block: "nearest" });
    note.focus();
  }

  // --- the photo viewer ------------------------------------------------------------------------

  var zoom = document.getElementById("zoom");
  var stage = document.getElementById("zoom-stage");
  var zoomImg = document.getElementById("zoom-img");
  var zoomLabel = document.getElementById("zoom-label");
  var zoomThumbs = document.getElementById("zoom-thumbs");
  var photos = Array.prototype.slice.call(document.querySelectorAll(".photo-link[data-zoom]"))
    .sort(function (a, b) { return Number(a.dataset.zoom) - Number(b.dataset.zoom); });
  var view = { index: 0, scale: 1, x: 0, y: 0 };
  var hovered = null;
  var drag = null;

  function applyView() {
    zoomImg.style.transform = "translate(" + view.x + "px, " + view.y + "px) scale(" + view.scale + ")";
  }

  function show(index) {
    if (!photos.length) { return; }
    view = { index: (index + photos.length) % photos.length, scale: 1, x: 0, y: 0 };
    var link = photos[view.index];
    zoomImg.src = link.getAttribute("href");
    zoomImg.alt = link.dataset.label;
    zoomLabel.textContent = (view.index + 1) + " / " + photos.length + " · " + link.dataset.label;
    Array.prototype.forEach.call(zoomThumbs.children, function (b, i) {
      b.setAttribute("aria-current", i === view.index ? "true" : "false");
    });
    applyView();
  }

  function openZoom(index) {
    if (!photos.length) { say("该记录没有已上传的照片"); return; }
    zoom.hidden = false;
    document.body.classList.add("is-zoomed");
    show(index);
  }

  function closeZoom() {
    zoom.hidden = true;
    document.body.classList.remove("is-zoomed");
  }

  function zoomBy(factor, clientX, clientY) {
    var box = stage.getBoundingClientRect();
    var cx = box.left + box.width / 2, cy = box.top + box.height / 2;
    var mx = clientX === undefined ? cx : clientX, my = clientY === undefined ? cy : clientY;
    var next = Math.min(12, Math.max(1, view.scale * factor));
    var k = next / view.scale;
    // Keep the point under the pointer where it is: t' = m − c − k·(m − c − t).
    view.x = next === 1 ? 0 : (mx - cx) - k * (mx - cx - view.x);
    view.y = next === 1 ? 0 : (my - cy) - k * (my - cy - view.y);
    view.scale = next;
    applyView();
  }

  if (zoom) {
    photos.forEach(function (link, i) {
      link.addEventListener("click", function (event) { event.preventDefault(); openZoom(i); });
      link.addEventListener("mouseenter", function () { hovered = i; });
      link.addEventListener("mouseleave", function () { hovered = null; });
      var thumb = document.createElement("button");
      thumb.type = "button";
      thumb.className = "zoom-thumb";
      thumb.title = (i + 1) + " " + link.dataset.label;
      var img = document.createElement("img");
      img.src = link.dataset.thumb;
      img.alt = link.dataset.label;
      thumb.appendChild(img);
      thumb.addEventListener("click", function () { show(i); });
      zoomThumbs.appendChild(thumb);
    });
    document.getElementById("zoom-close").addEventListener("click", closeZoom);
    stage.addEventListener("wheel", function (event) {
      event.preventDefault();
      zoomBy(event.deltaY < 0 ? 1.2 : 1 / 1.2, event.clientX, event.clientY);
    }, { passive: false });
    stage.addEventListener("pointerdown", function (event) {
      drag = { x: event.clientX - view.x, y: event.clientY - view.y };
      stage.setPointerCapture(event.pointerId);
      stage.classList.add("is-dragging");
    });
    stage.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      view.x = event.clientX - drag.x;
      view.y = event.clientY - drag.y;
      applyView();
    });
    stage.addEventListener("pointerup", function () { drag = null; stage.classList.remove("is-dragging"); });
    stage.addEventListener("dblclick", function (event) { zoomBy(view.scale > 1 ? 1 / view.scale : 2.5, event.clientX, event.clientY); });
  }

  function zoomKeys(event, key) {
    var step = 80;
    if (key === "escape" || key === "z") { closeZoom(); }
    else if (key === "+" || key === "=") { zoomBy(1.25); }
    else if (key === "-" || key === "_") { zoomBy(1 / 1.25); }
    else if (key === "0") { show(view.index); }
    else if (key === "arrowleft") { view.x += step; applyView(); }
    else if (key === "arrowright") { view.x -= step; applyView(); }
    else if (key === "arrowup") { view.y += step; applyView(); }
    else if (key === "arrowdown") { view.y -= step; applyView(); }
    else if (/^[1-9]$/.test(key)) { if (Number(key) <= photos.length) { show(Number(key) - 1); } }
    else if (key === "tab") { show(view.index + (event.shiftKey ? -1 : 1)); }
    else { return; }
    event.preventDefault();
  }

  // --- help ----------------------------------------------------------------------------------

  var helpOpen = document.getElementById("help-open");
  if (helpOpen) {
    helpOpen.hidden = false;
    helpOpen.addEventListener("click", function () { help.hidden = false; });
  }
  document.getElementById("help-close").addEventListener("click", function () { help.hidden = true; });

  // --- the keyboard ----------------------------------------------------------------------------

  function go(url) { if (url) { window.location.assign(url); } }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
    var key = (event.key || "").toLowerCase();
    if (zoom && !zoom.hidden) { zoomKeys(event, key); return; }
    if (!help.hidden) {
      if (key === "escape" || key === "?") { help.hidden = true; event.preventDefault(); }
      return;
    }
    if (isTyping(event.target)) {
      if (key === "escape") { disarm(); event.preventDefault(); }
      return; // typing: Enter submits the form the field belongs to, nothing else is a shortcut
    }
    if (armed()) {
      if (/^[0-9]$/.test(key)) { pickReason(key); event.preventDefault(); return; }
      if (key === "enter") { event.preventDefault(); send(rejectForm); return; }
      if (key === "escape") { disarm(); event.preventDefault(); return; }
    }
    var action = {
      a: approve, r: arm, b: sendBack, z: function () { openZoom(hovered === null ? 0 : hovered); },
      j: function () { go(cfg.next); }, arrowright: function () { go(cfg.next); },
      k: function () { go(cfg.prev); }, arrowleft: function () { go(cfg.prev); },
      "?": function () { help.hidden = false; }, escape: disarm
    }[key];
    if (!action || busy) { return; }
    if (key === "arrowright" || key === "arrowleft") {
      var tag = event.target && event.target.tagName;
      if (tag === "INPUT") { return; } // arrow keys move between the reasons of the picker
    }
    event.preventDefault();
    action();
  });
})();
