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

// After an in-place swap the focused element is gone: put keyboard focus back
// on the part that changed (its edit link, the conflict, or the first control).
let swappedFieldId = null;
document.addEventListener("htmx:beforeRequest", (event) => {
  const target = event.detail.target;
  swappedFieldId = target && target.classList.contains("task-field") ? target.id : null;
});
document.addEventListener("htmx:afterSettle", () => {
  if (!swappedFieldId) return;
  const field = document.getElementById(swappedFieldId);
  swappedFieldId = null;
  if (!field) return;
  const active = document.activeElement;
  if (active && active !== document.body && document.contains(active)) return;
  if (field.querySelector("[autofocus]")) return;
  let focusable = field.querySelector(".edit-link, select, input:not([type=hidden]), textarea, button");
  if (field.classList.contains("conflict")) {
    field.setAttribute("tabindex", "-1");
    focusable = field;
  }
  if (focusable) focusable.focus();
});
