// The support console's keyboard: "/" focuses the customer search from any console page, and
// Enter in it opens the first customer it lists (without JavaScript, Enter runs the full search).
// "Impersonate" (in the search results and on a customer's page) opens the start form in a
// dialog over the page; without JavaScript it is the form's own page.
(function () {
  var swallow = false; // the "/" that moved the focus is not typed into the search
  addEventListener("keydown", function (event) {
    var search = document.getElementById("q");
    if (!search) return;
    var el = document.activeElement;
    var typing = el && (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      swallow = true;
      setTimeout(function () { swallow = false; }, 100);
      search.focus();
      search.select();
      return;
    }
  });
  // Enter in the search submits its form: with customers listed, open the first instead.
  addEventListener("submit", function (event) {
    if (!event.target.classList.contains("find")) return;
    var first = document.querySelector("#quick-results a.open");
    if (first) {
      event.preventDefault();
      location.href = first.getAttribute("href");
    }
  });
  // Enter in the start form's Ticket moves on to Reason while the reason is still missing
  // (unless the ticket line carries it: "SUP-1234: what I am checking"): the form is not sent
  // yet, the focus goes to Reason. (Checked on submit, which Enter and Start both cause.)
  addEventListener("submit", function (event) {
    var form = event.target, ticket = form.elements && form.elements.ticket, reason = form.elements && form.elements.reason;
    if (!ticket || !reason || reason.type === "hidden") return;
    if (!reason.value.trim() && ticket.value.indexOf(":") < 0 && ticket.value.trim()) {
      event.preventDefault();
      reason.focus();
    }
  });
  addEventListener("beforeinput", function (event) {
    if (swallow && event.data === "/" && event.target.id === "q") {
      event.preventDefault();
      swallow = false;
    }
  }, true);

  // Impersonate opens the start form in a modal dialog: the page's #impersonate section,
  // fetched as a fragment. The form posts as on its page; Escape or Close puts it away.
  addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="/admin/customers/"][href$="/impersonate"]');
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    if (typeof HTMLDialogElement !== "function") return; // the page it links to
    event.preventDefault();
    fetch(link.getAttribute("href"), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (html) {
        var section = new DOMParser().parseFromString(html, "text/html").getElementById("impersonate");
        if (!section) return Promise.reject("no form");
        var dialog = document.getElementById("impersonate-dialog");
        if (!dialog) {
          dialog = document.createElement("dialog");
          dialog.id = "impersonate-dialog";
          dialog.setAttribute("aria-labelledby", "impersonate-title");
          document.body.appendChild(dialog);
          dialog.addEventListener("close", function () { dialog.replaceChildren(); });
          dialog.addEventListener("click", function (e) {
            if (e.target === dialog || (e.target.closest && e.target.closest("[data-close]"))) {
              e.preventDefault();
              dialog.close();
            }
          });
        }
        var close = document.createElement("button");
        close.type = "button";
        close.className = "link close";
        close.setAttribute("data-close", "");
        close.textContent = "Close";
        section.querySelectorAll('a[href^="/admin/customers/"]').forEach(function (a) { a.setAttribute("data-close", ""); });
        dialog.replaceChildren(close, section);
        dialog.showModal();
        var first = dialog.querySelector("[autofocus]") || dialog.querySelector("input[name=ticket]");
        if (first) first.focus();
      })
      .catch(function () { location.href = link.getAttribute("href"); });
  });
})();

// "Copy the note" copies the ticket note (the button shows only where the clipboard works).
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        var said = button.parentNode.querySelector(".copied");
        navigator.clipboard.writeText(source.textContent).then(function () {
          if (said) said.textContent = "Copied.";
        }, function () {
          if (said) said.textContent = "Could not copy: select the note and copy it.";
        });
      });
    });
  });
})();

// Times the console shows to the second are put in the viewer's own time zone (the server
// wrote them in its zone, with UTC on hover; without JavaScript those stay).
(function () {
  var full = { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" };
  var clock = { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
  function local(root) {
    root.querySelectorAll("time[data-local][datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d.getTime())) return;
      t.textContent = new Intl.DateTimeFormat(undefined, t.getAttribute("data-local") === "clock" ? clock : full).format(d);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { local(document); });
})();
