// A signed-in page restored from the browser's back/forward cache is fetched again: an
// impersonation may have ended, or the person logged out, since it was shown.
addEventListener("pageshow", function (event) {
  if (event.persisted && !document.querySelector('form[action="/login"]')) {
    location.reload();
  }
});

// A header menu (More, the account) closes when a click or Escape goes elsewhere.
addEventListener("click", function (event) {
  document.querySelectorAll("details.menu[open]").forEach(function (menu) {
    if (!menu.contains(event.target)) menu.open = false;
  });
});
addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.menu[open]").forEach(function (menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
  });
});
