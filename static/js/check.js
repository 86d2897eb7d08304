// Report page: copy buttons, and live progress while a check runs (falls back to
// <noscript> meta refresh). No inline script: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  // The live region is in the page from the start (check.html): screen readers only
  // announce changes to a region they already know about.
  function announce(text) {
    var region = document.getElementById("live-region");
    if (!region) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);  // same text twice is still read
  }

  function selectContents(target) {
    if (target.tagName === "INPUT") { target.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) { return; }
    var text = target.tagName === "INPUT" ? target.value : target.textContent;
    // The label before any click: a second click within 2 s must not make "Copied" stick.
    if (!button.hasAttribute("data-label")) { button.setAttribute("data-label", button.textContent); }
    window.clearTimeout(button.copyTimer);
    copyText(text.replace(/\n+$/, "")).then(function () {
      button.textContent = "Copied";
      announce("Copied to the clipboard");
    }, function () {
      button.textContent = "Select and copy";
      selectContents(target);
      announce("Could not copy automatically; the text is selected, copy it with Ctrl+C");
    });
    button.copyTimer = window.setTimeout(function () {
      button.textContent = button.getAttribute("data-label");
    }, 2000);
  });

  var panel = document.getElementById("progress");
  if (!panel) { return; }
  var url = panel.getAttribute("data-status-url");
  var delay = 1000;

  // Only what changed is written: the list is a live region, and rewriting unchanged
  // text on every poll makes some screen readers read it all again.
  function setText(element, text) {
    if (element.textContent !== text) { element.textContent = text; }
  }

  function render(state) {
    var done = {};
    (state.progress || []).forEach(function (part) { done[part] = true; });
    panel.querySelectorAll("[data-part]").forEach(function (item) {
      var isDone = !!done[item.getAttribute("data-part")];
      item.classList.toggle("is-done", isDone);
      item.classList.toggle("is-pending", !isDone);
      setText(item.querySelector(".progress-state"), isDone ? "done" : "waiting");
    });
    setText(document.getElementById("progress-status"),
      state.status === "queued" ? "Waiting to start…" : "Checking…");
    document.getElementById("queue-notice").classList.toggle("hidden", !state.waiting_for_queue);
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (state) {
        if (state.finished) {
          window.location.reload();
          return;
        }
        render(state);
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);  // back off while the server is unhappy
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
})();
