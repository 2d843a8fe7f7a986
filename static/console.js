// The support console's keyboard: "/" focuses the customer search from any console page, and
// Enter in it opens the first customer it lists (without JavaScript, Enter runs the full search).
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
  addEventListener("beforeinput", function (event) {
    if (swallow && event.data === "/" && event.target.id === "q") {
      event.preventDefault();
      swallow = false;
    }
  }, true);
})();
