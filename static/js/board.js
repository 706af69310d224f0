// The kanban board: drag and drop (SortableJS), keyboard moves, the task
// dialog. Every move is one htmx POST whose answer is the moved card alone
// (plus column counts out of band); the server decides, the page follows.
(() => {
  "use strict";

  const STATUSES = ["todo", "in_progress", "blocked", "done"];

  const cardsOf = (list) => [...list.children].filter((el) => el.classList.contains("task-card"));

  // The list a card belongs in: same lane, the column of its status.
  function listFor(card, status) {
    const lane = card.closest(".lane");
    return lane ? lane.querySelector(`ol.cards[data-status="${status}"]`) : null;
  }

  // Put a card the server sent back into the column its status says (after a
  // conflict, or a move made with the card's own list): at the top, where the
  // server puts a card that changes column without a place.
  function relocate(card) {
    const list = card.closest("ol.cards");
    if (!list || list.dataset.status === card.dataset.status) return;
    const target = listFor(card, card.dataset.status);
    if (!target) return;
    // Moving a node drops its focus: give it back (keyboard users keep their place).
    const focused = card.contains(document.activeElement) ? document.activeElement : null;
    target.insertBefore(card, target.firstChild);
    if (focused) focused.focus();
  }

  // A card asking why it is blocked: the reason's field takes the focus.
  function focusReason(card) {
    const field = card.querySelector(".ask-reason input[name=blocked_reason]");
    if (field) field.focus();
  }

  function sendMove(card, revert, focus) {
    const list = card.closest("ol.cards");
    const previous = card.previousElementSibling;
    const next = card.nextElementSibling;
    const values = { status: list.dataset.status, version: card.dataset.version };
    if (previous && previous.classList.contains("task-card")) values.after_id = previous.dataset.id;
    if (next && next.classList.contains("task-card")) values.before_id = next.dataset.id;
    const id = card.id;
    let status = 0;
    card.addEventListener(
      "htmx:afterRequest",
      (event) => {
        status = event.detail.xhr ? event.detail.xhr.status : 0;
      },
      { once: true },
    );
    card.classList.add("moving");
    return htmx
      .ajax("POST", card.dataset.moveUrl, { source: card, target: card, swap: "outerHTML", values })
      .then(() => {
        const now = document.getElementById(id);
        // Nothing swapped (an error): put the card back where it was.
        if (card.isConnected) {
          card.classList.remove("moving");
          revert(card);
          return;
        }
        // 200 and 409 (the conflict card) replaced the card. 422 replaced it
        // with a card asking why it is blocked: it has not moved yet, so back
        // to its place, the reason's field focused (unless already answered).
        if (status === 422 && now && now.classList.contains("asks-reason")) {
          revert(now);
          focusReason(now);
          return;
        }
        if (now && focus) now.focus();
      });
  }

  function initSortable(root) {
    if (typeof Sortable === "undefined") return;
    root.querySelectorAll("ol.cards:not(.single)").forEach((list) => {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      Sortable.create(list, {
        group: `lane-${list.dataset.lane}`,
        draggable: ".task-card[data-movable]",
        filter: "details, .conflict, .ask-reason",
        preventOnFilter: false,
        forceFallback: true,
        fallbackTolerance: 4,
        animation: 120,
        onEnd(event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          const card = event.item;
          const from = event.from;
          const index = event.oldIndex;
          sendMove(card, (el) => from.insertBefore(el, from.children[index] || null), false);
        },
      });
    });
  }

  // ← → change column, ↑ ↓ change place, when the card itself has the focus.
  document.addEventListener("keydown", (event) => {
    const card = event.target;
    if (!(card instanceof HTMLElement) || !card.matches(".task-card[data-movable]")) return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const list = card.closest("ol.cards");
    const from = list;
    const nextSibling = card.nextElementSibling;
    const revert = (el) => from.insertBefore(el, nextSibling);
    let moved = false;
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      const step = event.key === "ArrowLeft" ? -1 : 1;
      const status = STATUSES[STATUSES.indexOf(list.dataset.status) + step];
      const target = status && listFor(card, status);
      if (target) {
        target.insertBefore(card, cardsOf(target)[0] || target.firstChild);
        moved = true;
      }
    } else if (event.key === "ArrowUp") {
      const previous = card.previousElementSibling;
      if (previous && previous.classList.contains("task-card")) {
        list.insertBefore(card, previous);
        moved = true;
      }
    } else if (event.key === "ArrowDown") {
      const next = card.nextElementSibling;
      if (next && next.classList.contains("task-card")) {
        list.insertBefore(next, card);
        moved = true;
      }
    }
    if (!moved) return;
    event.preventDefault();
    card.focus();
    sendMove(card, revert, true);
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target && target.id === "task-dialog-body") {
      const dialog = document.getElementById("task-dialog");
      if (dialog && !dialog.open) dialog.showModal();
    }
  });

  // On a phone the filters fold away (they would push the board below the
  // screen) and one column shows at a time: the one whose head is checked,
  // kept when a filter redraws the board.
  const PHONE = window.matchMedia("(max-width: 600px)");
  let shownColumn = null;

  function foldFilters() {
    const fold = document.getElementById("board-filters-fold");
    if (!fold) return;
    const follow = () => {
      fold.open = !PHONE.matches;
    };
    follow();
    PHONE.addEventListener("change", follow);
  }

  document.addEventListener("change", (event) => {
    if (event.target.name === "board-column") shownColumn = event.target.value;
  });

  function keepShownColumn(root) {
    if (!shownColumn) return;
    const pick = root.querySelector(`input[name="board-column"][value="${shownColumn}"]`);
    if (pick) pick.checked = true;
  }

  document.addEventListener("htmx:afterSettle", (event) => {
    const elt = event.detail.elt;
    if (elt && elt.id === "board") keepShownColumn(elt);
    if (elt && elt.classList && elt.classList.contains("task-card")) {
      relocate(elt);
      focusReason(elt);
      // A card moved by giving the reason of its blockage: its form is gone,
      // the keyboard goes on from the card itself.
      const from = event.detail.requestConfig && event.detail.requestConfig.elt;
      if (from && from.classList && from.classList.contains("ask-reason-form")) elt.focus();
    }
    initSortable(document);
  });

  // Keep a filtered board's address short: no empty filters, no default view.
  document.addEventListener("htmx:configRequest", (event) => {
    if (!event.detail.elt || event.detail.elt.id !== "board-filters") return;
    const params = event.detail.parameters;
    for (const name of ["q", "theme", "owner", "horizon"]) {
      if (params[name] === "") delete params[name];
    }
    if (params.view === "columns") delete params.view;
  });

  // The task page did not open over the board: go to it instead.
  document.addEventListener("htmx:responseError", (event) => {
    const elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("a.card-title")) {
      window.location.href = elt.href;
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    initSortable(document);
    foldFilters();
    const dialog = document.getElementById("task-dialog");
    if (!dialog) return;
    let opened = null;
    document.addEventListener("click", (event) => {
      const link = event.target.closest("a.card-title");
      if (link) opened = link.closest(".task-card");
    });
    // After editing the task over the board, show its card as it is now.
    dialog.addEventListener("close", () => {
      document.getElementById("task-dialog-body").replaceChildren();
      if (opened && opened.isConnected) {
        const id = opened.id;
        htmx
          .ajax("GET", opened.dataset.cardUrl, { target: `#${id}`, swap: "outerHTML" })
          .then(() => {
            // Back to the card (a read-only card cannot take the focus: its link can).
            const card = document.getElementById(id);
            (card?.matches("[tabindex]") ? card : card?.querySelector("a.card-title"))?.focus();
          });
      }
      opened = null;
    });
  });
})();
