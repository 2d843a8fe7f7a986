// The ImpersonationBanner's countdown ticks, and five minutes before the impersonation
// expires it says so once, pointing at Extend when it can run longer (the warning is an
// alert; the ticking minutes are not announced).
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
      var extend = left.getAttribute("data-extend");
      var actions = document.querySelector("#impersonation-banner .actions");
      if (minutes > 0 && extend && actions && !actions.querySelector('form[action$="/extend"]')) {
        var form = document.createElement("form");
        form.method = "post";
        form.action = "/api/customer/impersonation/extend";
        var button = document.createElement("button");
        button.textContent = "Extend " + extend;
        form.appendChild(button);
        actions.insertBefore(form, actions.firstChild);
      }
      document.getElementById("impersonation-banner").classList.add("expiring");
      document.querySelector("#impersonation-banner .expiry-warning").textContent =
        minutes <= 0 ? "This impersonation has expired." :
        document.querySelector('#impersonation-banner form[action$="/extend"]') ? "Ends in " + minutes + " min: extend it, or save what you need for the ticket." :
        "Ends in " + minutes + " min (the longest allowed): save what you need for the ticket.";
    }
  }
  tick();
  setInterval(tick, 15000);
})();
