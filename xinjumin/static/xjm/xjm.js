/* Small progressive enhancements; every page works without them.
   - [data-countdown]: a "send code" button that counts down before it can be pressed again;
   - [data-search-shortcut]: "/" focuses the back office's search box;
   - htmx swaps the answers that carry a message for the person (400 bad input, 409 a
     state that does not allow it) like any other, so the message appears where the result
     would have been (htmx leaves 4xx answers unswapped by default). */
(function () {
  "use strict";

  function startCountdown(button) {
    if (button.dataset.counting) { return; }
    button.dataset.counting = "1";
    var left = parseInt(button.dataset.countdown, 10) || 0;
    var template = button.dataset.countdownText || "{n}";
    var idle = button.dataset.idleText || button.textContent;
    button.disabled = true;
    function tick() {
      if (left <= 0) {
        button.disabled = false;
        button.textContent = idle;
        delete button.dataset.counting;
        return;
      }
      button.textContent = template.replace("{n}", String(left));
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function enhance(root) {
    if (!root || !root.querySelectorAll) { return; }
    if (root.matches && root.matches("[data-countdown]")) { startCountdown(root); }
    root.querySelectorAll("[data-countdown]").forEach(startCountdown);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    var box = document.querySelector("[data-search-shortcut]");
    if (box) { event.preventDefault(); box.focus(); box.select(); }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
