// Small behaviours that inline handlers would do, kept here for the CSP.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
// Flash messages fade after a while, but stay for screen readers meanwhile.
document.addEventListener("htmx:afterSettle", () => {
  document.querySelectorAll(".flash[data-autohide]").forEach((el) => {
    setTimeout(() => el.remove(), 6000);
  });
});
