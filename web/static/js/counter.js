// The counter form's live panel: while staff type, ask the server for the likely 課, measures and
// similar past voices (debounced), and let Ctrl+Enter save and start the next one.
// The page works without this script: the 「担当課の候補を表示」 button posts the form instead.
(function () {
  "use strict";
  var form = document.getElementById("counter-form");
  var panel = document.getElementById("suggest-panel");
  if (!form || !panel || !window.fetch) { return; }
  var body = document.getElementById("body");
  var subject = document.getElementById("subject");
  var sectionSelect = document.getElementById("section_name");
  var statusLine = document.getElementById("suggest-status");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var url = panel.getAttribute("data-url");
  var DELAY = 400;
  var MIN_TEXT = 8;
  var SIGNED_OUT = "一定の時間が過ぎたため、ログアウトしています。保存を押すとログイン画面になり、" +
    "ログインし直すと入力した内容のまま受付画面に戻ります（それまでは登録されません）。";
  var timer = null;
  var lastText = null;
  var inFlight = null;

  function text() {
    var s = subject.value.trim();
    var b = body.value.trim();
    return s ? s + "\n" + b : b;
  }

  function clear(list) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
  }

  function item(list, parts) {
    var li = document.createElement("li");
    parts.forEach(function (part) { li.appendChild(part); });
    list.appendChild(li);
    return li;
  }

  function span(textContent, className) {
    var el = document.createElement("span");
    el.textContent = textContent;
    if (className) { el.className = className; }
    return el;
  }

  function render(data) {
    var sections = document.getElementById("suggest-sections");
    var measures = document.getElementById("suggest-measures");
    var similar = document.getElementById("suggest-similar");
    clear(sections); clear(measures); clear(similar);
    if (!data.sections.length) {
      statusLine.textContent = "内容を入力すると、担当課の候補と似た声を表示します。";
      return;
    }
    statusLine.textContent = "モデル " + data.model_version + " による候補です。課名を押すと担当課に選べます。";
    data.sections.forEach(function (s) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.setAttribute("data-section", s.name);
      button.textContent = s.name;
      item(sections, [button, span(" " + Math.round(s.score * 100) + "%", "score")]);
    });
    if (!data.measures.length) { item(measures, [span("（該当なし）")]); }
    data.measures.forEach(function (m) { item(measures, [span(m.code + " " + m.title)]); });
    if (!data.similar.length) { item(similar, [span("（見つかりません）")]); }
    data.similar.forEach(function (v) {
      var meta = "（" + v.received_on + "・" + v.status_label + (v.section ? "・" + v.section : "") +
        "・類似度 " + Math.round(v.score * 100) + "%）";
      item(similar, [span(v.receipt_no, "receipt-no"), span(meta), document.createElement("br"),
        span(v.visible ? v.snippet : "（担当外の声のため、内容は表示しません）")]);
    });
  }

  function ask() {
    var current = text();
    if (current === lastText) { return; }
    lastText = current;
    if (current.length < MIN_TEXT) { render({sections: [], measures: [], similar: []}); return; }
    if (inFlight && inFlight.abort) { inFlight.abort(); }
    inFlight = window.AbortController ? new AbortController() : null;
    panel.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify({text: current}),
      signal: inFlight ? inFlight.signal : undefined
    }).then(function (response) {
      if (response.redirected || response.status === 401) { throw new Error("signed-out"); }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      render(data);
      panel.setAttribute("aria-busy", "false");
    }).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      panel.setAttribute("aria-busy", "false");
      if (error && error.message === "signed-out") {
        // The session ended (unused too long): saving leads through the sign-in page back to this text.
        statusLine.textContent = SIGNED_OUT;
        statusLine.setAttribute("role", "alert");
        return;
      }
      statusLine.textContent = "候補を取得できませんでした（入力と保存はそのまま続けられます）。";
      lastText = null;
    });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(ask, DELAY);
  }

  body.addEventListener("input", schedule);
  subject.addEventListener("input", schedule);

  panel.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.getAttribute && target.getAttribute("data-section")) {
      sectionSelect.value = target.getAttribute("data-section");
      sectionSelect.focus();
    }
  });

  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      document.getElementById("save-next").click();
    }
  });

  // The no-JavaScript button is not needed while the panel updates itself.
  var fallback = document.getElementById("suggest-button");
  if (fallback) { fallback.hidden = true; }
  if (text().length >= MIN_TEXT) { schedule(); }
}());
