// The Verify button: post the editor's form to checks.create, then poll the check until
// a worker has run it, and list each file with pass or fail and why. Results arrive as
// text, never as markup.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function say(region, text, isError) {
    region.textContent = text;
    region.classList.toggle("verify-error", Boolean(isError));
  }

  function showResults(list, results) {
    list.textContent = "";
    results.forEach(function (result) {
      var item = document.createElement("li");
      item.className = result.ok ? "verify-pass" : "verify-fail";
      var mark = document.createElement("span");
      mark.className = "verify-mark";
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = result.ok ? "✓" : "✗";
      var verdict = document.createElement("strong");
      verdict.textContent = (result.ok ? "Pass" : "Fail") + ": ";
      var path = document.createElement("code");
      path.textContent = result.path;
      var why = document.createElement("span");
      why.textContent = " (" + result.role + ") " + result.why;
      item.append(mark, " ", verdict, path, why);
      list.appendChild(item);
    });
  }

  function showProblems(list, problems) {
    list.textContent = "";
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.className = "verify-fail";
      var code = document.createElement("code");
      code.textContent = problem;
      item.appendChild(code);
      list.appendChild(item);
    });
  }

  function setUp(section) {
    var button = section.querySelector("[data-verify-button]");
    var status = section.querySelector("[data-verify-status]");
    var list = section.querySelector("[data-verify-results]");
    var form = document.getElementById(section.getAttribute("data-form"));
    if (!button || !form) { return; }

    function finish() {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }

    function poll(url, started) {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function (check) {
          if (!check.finished) {
            var seconds = Math.round((Date.now() - started) / 1000);
            say(status, (check.status === "running" ? "Running in the sandbox" : "Waiting for a worker") +
              "… " + seconds + " s");
            window.setTimeout(function () { poll(url, started); }, seconds < 10 ? 1000 : 2500);
            return;
          }
          showResults(list, check.results);
          say(status, check.status === "done" ? "Verify finished: " + check.summary + "."
            : "Verify could not run: " + check.summary + ".", check.status !== "done" ||
            check.results.some(function (r) { return !r.ok; }));
          finish();
        })
        .catch(function () {
          say(status, "Lost touch with the server while waiting for the results. Try again.", true);
          finish();
        });
    }

    button.addEventListener("click", function () {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      list.textContent = "";
      say(status, "Sending the files…");
      fetch(section.getAttribute("data-create-url"), {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" }
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.status === 202) {
            say(status, "Queued: waiting for a worker…");
            poll(body.url, Date.now());
            return;
          }
          if (body.problems && body.problems.length) { showProblems(list, body.problems); }
          say(status, body.error || (response.status === 429
            ? "Too many checks in a short time: wait a minute and try again."
            : "The check could not be started (status " + response.status + ")."), true);
          finish();
        });
      }).catch(function () {
        say(status, "Could not reach the server. Check your connection and try again.", true);
        finish();
      });
    });
  }

  document.querySelectorAll("[data-verify]").forEach(setUp);
})();
