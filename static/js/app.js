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
// A meeting's follow-up forms share one list of the region's people (a
// thousand in a large region, once in the page): a select takes its options
// from that <template> when first used, by pointer or keyboard.
function fillOptions(event) {
  const select = event.target.closest && event.target.closest("select[data-options]");
  if (!select || select.dataset.filled) {
    return;
  }
  const source = document.getElementById(select.dataset.options);
  if (source) {
    select.replaceChildren(source.content.cloneNode(true));
    select.dataset.filled = "1";
  }
}
document.addEventListener("pointerdown", fillOptions, true);
document.addEventListener("focusin", fillOptions);
