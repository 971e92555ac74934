// Follow a running check or import: poll its database row and move the progress bar; reload when done.
(function () {
  "use strict";
  var status = document.getElementById("import-status");
  if (!status || status.getAttribute("data-running") !== "true" || !window.fetch) { return; }
  var url = status.getAttribute("data-url");
  var bar = document.getElementById("import-progress");
  var text = document.getElementById("import-progress-text");
  var state = document.getElementById("import-state");

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        state.textContent = data.state_label;
        if (data.state === "importing" || data.state === "queued") { bar.value = data.percent; }
        text.textContent = data.processed_rows + " / " + (data.total_rows || "？") + " 行";
        if (data.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
}());
