// Task page helpers (the CSP forbids inline scripts): insert an @mention
// handle into the comment box where the cursor is.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-mention]");
  if (!button) return;
  const box = document.getElementById(button.dataset.for);
  if (!box) return;
  const handle = button.dataset.mention + " ";
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? box.value.length;
  const before = box.value.slice(0, start);
  const spacer = before && !/\s$/.test(before) ? " " : "";
  box.value = before + spacer + handle + box.value.slice(end);
  const caret = start + spacer.length + handle.length;
  box.focus();
  box.setSelectionRange(caret, caret);
});
