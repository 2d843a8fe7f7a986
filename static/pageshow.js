// A signed-in page restored from the browser's back/forward cache is fetched again: an
// impersonation may have ended, or the person logged out, since it was shown.
addEventListener("pageshow", function (event) {
  if (event.persisted && !document.querySelector('form[action="/login"]')) {
    location.reload();
  }
});
