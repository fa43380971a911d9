// Live preview for the template editor: sends the draft to the server, which renders it in the
// letter sandbox, and shows the letter or each problem at its line. Without JavaScript the
// Preview button does the same through a normal form post.
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  if (!form) { return; }
  var url = form.getAttribute("data-preview-url");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.getAttribute("content") : "";
  var subject = document.getElementById("subject");
  var body = document.getElementById("body");
  var official = document.getElementById("official_id");
  var writer = document.getElementById("supporter_email");
  var timer = null;
  var sequence = 0;

  function listing(part, source, problems) {
    var box = document.getElementById(part + "-problems");
    box.textContent = "";
    var mine = problems.filter(function (p) { return p.part === part; });
    if (!mine.length) { return; }
    var ol = document.createElement("ol");
    ol.className = "listing";
    ol.setAttribute("data-part", part);
    source.split("\n").forEach(function (text, index) {
      var li = document.createElement("li");
      var code = document.createElement("code");
      code.textContent = text;
      li.appendChild(code);
      mine.forEach(function (p) {
        if (p.line === index + 1) {
          li.className = "error-line";
          var note = document.createElement("span");
          note.className = "field-error";
          note.textContent = " \u2190 " + p.message;
          li.appendChild(note);
        }
      });
      ol.appendChild(li);
    });
    box.appendChild(ol);
  }

  function show(result) {
    var list = document.getElementById("problems");
    list.textContent = "";
    result.problems.forEach(function (p) {
      var li = document.createElement("li");
      var part = p.part.charAt(0).toUpperCase() + p.part.slice(1);
      li.textContent = part + (p.line ? ", line " + p.line : "") + ": " + p.message;
      list.appendChild(li);
    });
    listing("subject", subject.value, result.problems);
    listing("body", body.value, result.problems);
    document.getElementById("preview-addressee").textContent = result.problems.length ? "" :
      "To " + result.addressee + ", from " + result.writer + ".";
    document.getElementById("preview-subject").textContent = result.subject;
    document.getElementById("preview-body").textContent = result.body;
    form.setAttribute("data-preview-state", result.problems.length ? "problems" : "ok");
  }

  function refresh() {
    var mine = ++sequence;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify({
        subject: subject.value, body: body.value,
        official_id: official.value || null, supporter_email: writer.value || null
      })
    }).then(function (response) {
      if (!response.ok) { throw new Error("preview failed: " + response.status); }
      return response.json();
    }).then(function (result) {
      if (mine === sequence) { show(result); }
    }).catch(function (error) {
      document.getElementById("preview-addressee").textContent = "Preview unavailable (" + error.message + ").";
    });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 300);
  }
  subject.addEventListener("input", later);
  body.addEventListener("input", later);
  writer.addEventListener("change", refresh);
  official.addEventListener("change", function () {
    var hidden = document.querySelector('#test-send input[name="official_id"]');
    if (hidden) { hidden.value = official.value; }
    refresh();
  });
}());
