// Task page helpers (the CSP forbids inline scripts).

// @mentions by name: while a word typed after @ is at the cursor, the server
// answers (a fragment under the box) whom it may name, accents ignored, and
// which mentions of the comment name nobody; Enter, Tab or a click inserts
// the chosen person's handle. The same regular expression as
// tasking/tasks/mentions.py MENTION_RE finds the mentions written.
const MENTION = /(?<![\p{L}\p{N}_@.])@[A-Za-z0-9._+-]*[A-Za-z0-9_+-](?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?/gu;
const TYPING = /(?:^|[^\p{L}\p{N}_@.])@([\p{L}\p{N}._+-]*)$/u;

function typedMention(box) {
  const before = box.value.slice(0, box.selectionStart);
  const match = TYPING.exec(before);
  if (!match) return null;
  const rest = box.value.slice(box.selectionStart).match(/^[\p{L}\p{N}._+-]*/u)[0];
  return { query: match[1], start: before.length - match[1].length - 1, end: box.selectionStart + rest.length };
}

function askMentions(box) {
  const typed = typedMention(box);
  const text = typed ? box.value.slice(0, typed.start) + " " + box.value.slice(typed.end) : box.value;
  const written = text.match(MENTION) || [];
  const target = document.getElementById(box.id + "-mentions");
  if (!target) return;
  if (!typed && written.length === 0) {
    target.replaceChildren();
    box.removeAttribute("aria-activedescendant");
    box.dataset.asked = "";
    return;
  }
  const params = new URLSearchParams();
  if (typed) params.set("q", typed.query);
  params.set("mentioned", written.join(" "));
  const query = params.toString();
  if (query === box.dataset.asked) return;
  box.dataset.asked = query;
  htmx.ajax("GET", box.dataset.mentions + "?" + query, { target: target, swap: "innerHTML" });
}

function insertMention(box, handle) {
  const typed = typedMention(box);
  if (!typed) return;
  const after = box.value.slice(typed.end).replace(/^ /, "");
  box.value = box.value.slice(0, typed.start) + handle + " " + after;
  const caret = typed.start + handle.length + 1;
  box.focus();
  box.setSelectionRange(caret, caret);
  askMentions(box);
}

let mentionTimer = null;
document.addEventListener("input", (event) => {
  const box = event.target;
  if (!box.matches || !box.matches("textarea[data-mentions]")) return;
  clearTimeout(mentionTimer);
  mentionTimer = setTimeout(() => askMentions(box), 150);
});

document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (!box.matches || !box.matches("textarea[data-mentions]")) return;
  const list = document.getElementById(box.id + "-options");
  if (!list || !typedMention(box)) return;
  const options = [...list.querySelectorAll("[role=option]")];
  let index = Math.max(0, options.findIndex((o) => o.getAttribute("aria-selected") === "true"));
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    index = (index + (event.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
    options.forEach((o, i) => o.setAttribute("aria-selected", i === index ? "true" : "false"));
    box.setAttribute("aria-activedescendant", options[index].id);
  } else if (event.key === "Enter" || event.key === "Tab") {
    event.preventDefault();
    insertMention(box, options[index].dataset.mention);
  } else if (event.key === "Escape") {
    event.preventDefault();
    list.remove();
    box.removeAttribute("aria-activedescendant");
  }
});

// A click on a suggestion; mousedown keeps the focus (and the cursor) in the box.
document.addEventListener("mousedown", (event) => {
  const option = event.target.closest && event.target.closest(".mention-box [data-mention]");
  if (!option) return;
  event.preventDefault();
  const box = document.getElementById(option.closest(".mention-box").id.replace(/-mentions$/, ""));
  if (box) insertMention(box, option.dataset.mention);
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
