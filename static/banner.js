// The ImpersonationBanner's countdown ticks, and five minutes before the impersonation
// expires it says so once (the warning is an alert; the ticking minutes are not announced).
(function () {
  var left = document.querySelector("#impersonation-banner .left");
  if (!left) return;
  var expires = Number(left.getAttribute("data-expires")) * 1000;
  var until = left.textContent.replace(/^.*\(/, "(");
  var warned = false;
  function tick() {
    var minutes = Math.max(0, Math.ceil((expires - Date.now()) / 60000));
    left.textContent = minutes + " min left " + until;
    if (minutes <= 5 && !warned) {
      warned = true;
      document.getElementById("impersonation-banner").classList.add("expiring");
      document.querySelector("#impersonation-banner .expiry-warning").textContent =
        minutes > 0 ? "Ends in " + minutes + " min: save what you need for the ticket." : "This impersonation has expired.";
    }
  }
  tick();
  setInterval(tick, 15000);
})();
