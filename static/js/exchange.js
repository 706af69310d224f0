// Upload progress of an import: htmx reports the bytes sent; the bar shows them.
document.addEventListener("htmx:xhr:progress", (event) => {
  const form = event.target.closest(".exchange-upload");
  if (!form || !event.detail.lengthComputable) return;
  const bar = form.querySelector("[data-upload-progress]");
  if (bar) bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
});
