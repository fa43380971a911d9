/* Lettercast supporter pages: small enhancements. Every page works without this file. */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /* Focus the server's error summary so screen readers and keyboards start there. */
  var summary = $("[data-error-summary]");
  if (summary) { summary.focus(); }

  /* Check the form before sending it, with the same messages and layout the server uses. */
  var form = $("[data-supporter-form]");
  if (form) {
    form.addEventListener("submit", function (event) {
      var problems = [];
      $all(".field-error[data-client]", form).forEach(function (node) { node.remove(); });
      $all(".field.has-error[data-client]", form).forEach(function (node) {
        node.classList.remove("has-error"); node.removeAttribute("data-client");
      });
      $all("input[required], select[required]", form).forEach(function (input) {
        var value = input.value.trim(), message = "";
        if (!value) { message = form.dataset.msgRequired; }
        else if (input.type === "email" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) { message = form.dataset.msgEmail; }
        else if (input.name === "zip" && !/^\d{5}(-?\d{4})?$/.test(value)) { message = form.dataset.msgZip; }
        if (message) { problems.push([input, message]); }
      });
      if (!problems.length) { disableOnce(event.submitter || $("button[type=submit]", form)); return; }
      event.preventDefault();
      problems.forEach(function (problem) {
        var input = problem[0], field = input.closest(".field");
        if (!field.querySelector(".field-error")) {
          var note = document.createElement("p");
          note.className = "field-error"; note.id = input.id + "-error"; note.dataset.client = "1";
          note.textContent = problem[1];
          input.parentNode.insertBefore(note, input);
          field.classList.add("has-error"); field.dataset.client = "1";
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", note.id);
        }
      });
      showSummary(form, problems);
    });
  }

  function showSummary(form, problems) {
    var box = $("[data-error-summary]") || document.createElement("div");
    box.className = "error-summary"; box.setAttribute("role", "alert"); box.tabIndex = -1;
    box.setAttribute("data-error-summary", "");
    box.innerHTML = "";
    var title = document.createElement("h2"); title.textContent = form.dataset.msgSummary;
    var list = document.createElement("ul");
    problems.forEach(function (problem) {
      var item = document.createElement("li"), link = document.createElement("a");
      link.href = "#" + problem[0].id; link.textContent = problem[1];
      item.appendChild(link); list.appendChild(item);
    });
    box.appendChild(title); box.appendChild(list);
    if (!box.parentNode) { form.parentNode.insertBefore(box, form); }
    box.focus();
  }

  /* A second click while the first request travels would only show the same result. */
  function disableOnce(button) {
    if (!button) { return; }
    window.setTimeout(function () { button.disabled = true; }, 0);
    window.setTimeout(function () { button.disabled = false; }, 8000);
  }
  var review = $("[data-review-form]");
  if (review) {
    review.addEventListener("submit", function (event) { disableOnce(event.submitter); });
  }

  /* Keep the letters' states current on the thanks page. */
  var statusList = $("[data-status-list]");
  if (statusList && statusList.dataset.final !== "1") {
    var labels = JSON.parse(statusList.dataset.labels || "{}");
    var finalStates = ["sent", "dead", "cancelled", "held"];
    var delay = 4000;
    var poll = function () {
      fetch("/api/submissions/" + encodeURIComponent(statusList.dataset.token), {
        headers: { "Accept": "application/json" }, credentials: "omit", cache: "no-store"
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        var done = true;
        (data.letters || []).forEach(function (letter) {
          var row = statusList.querySelector('[data-letter-id="' + letter.id + '"]');
          if (!row) { return; }
          var badge = row.querySelector("[data-status]");
          badge.className = "status status-" + letter.status;
          badge.textContent = labels[letter.status] || letter.status;
          if (finalStates.indexOf(letter.status) < 0) { done = false; }
        });
        if (!done) { delay = Math.min(delay * 1.5, 30000); window.setTimeout(poll, delay); }
      }).catch(function () { delay = Math.min(delay * 2, 60000); window.setTimeout(poll, delay); });
    };
    window.setTimeout(poll, 1500);
  }

  /* Copy the campaign link. */
  $all("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copy);
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.dataset.copied;
      });
    });
  });

  /* Embedded: tell the host page our height so its iframe can fit us without scrollbars. */
  if (document.body.classList.contains("embed") && window.parent !== window) {
    var lastHeight = 0;
    var report = function () {
      // The body, not the document: the document is never shorter than the frame itself.
      var height = Math.ceil(document.body.getBoundingClientRect().height);
      if (height !== lastHeight) {
        lastHeight = height;
        window.parent.postMessage({ type: "lettercast:height", height: height }, "*");
      }
    };
    window.parent.postMessage({ type: "lettercast:step", step: document.body.dataset.step || "" }, "*");
    report();
    if (window.ResizeObserver) { new ResizeObserver(report).observe(document.body); }
    window.addEventListener("load", report);
  }
})();
