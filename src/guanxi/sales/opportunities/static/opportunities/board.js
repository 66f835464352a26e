// The opportunity board: drag a card to another column to move it. SortableJS moves the card at
// once; HTMX posts the move. If the server refuses (no right, someone else changed it, a lost
// stage needs a reason and the user cancels), the card goes back where it was with the reason.
(function () {
  "use strict";
  var pending = null; // the card being moved: {item, from, index}

  function board() { return document.getElementById("board"); }
  function dialog() { return document.getElementById("move-dialog"); }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function notice(text) {
    var box = document.getElementById("board-notice");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function closeDialog() {
    var d = dialog();
    if (d && d.open) d.close();
    var body = document.getElementById("move-dialog-body");
    if (body) body.innerHTML = "";
  }

  // Put the card back; say why unless the user cancelled (`silent`).
  function snapBack(message, silent) {
    if (!pending) return;
    var p = pending;
    pending = null;
    p.from.insertBefore(p.item, p.from.children[p.index] || null);
    notice(silent ? "" : (message || (board() && board().dataset.moveFailed)));
  }

  function onEnd(evt) {
    if (evt.from === evt.to) return;
    var item = evt.item;
    pending = {item: item, from: evt.from, index: evt.oldIndex};
    notice("");
    htmx.ajax("POST", item.dataset.moveUrl, {
      source: item, target: item, swap: "outerHTML",
      headers: {"X-CSRFToken": csrf()},
      values: {stage: evt.to.dataset.stage, version: item.dataset.version, board_query: board().dataset.boardQuery}
    });
  }

  function init(root) {
    if (!root || !root.querySelectorAll || typeof Sortable === "undefined") return;
    var lists = Array.prototype.slice.call(root.querySelectorAll("[data-sortable]"));
    if (root.matches && root.matches("[data-sortable]")) lists.push(root);
    lists.forEach(function (list) {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      Sortable.create(list, {
        group: "opportunities", draggable: ".opp-card", animation: 150,
        // On a phone a short press scrolls the board; a long press picks the card up.
        delay: 200, delayOnTouchOnly: true, onEnd: onEnd
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });

  document.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target;
    if (target && target.id === "move-dialog-body") {
      var d = dialog();
      if (d && !d.open) d.showModal();
      return;
    }
    if (pending && e.detail.xhr && e.detail.xhr.status < 300) {
      // The moved card came back from the server; the move is done.
      pending = null;
      closeDialog();
    }
  });

  document.addEventListener("htmx:responseError", function (e) {
    if (!pending) return;
    var text = (e.detail.xhr && e.detail.xhr.responseText) || "";
    closeDialog();
    snapBack(text.length && text.length < 600 && text.indexOf("<") === -1 ? text : "");
  });
  document.addEventListener("htmx:sendError", function () {
    closeDialog();
    snapBack("");
  });

  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-cancel-move]")) {
      closeDialog();
      snapBack("", true);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var d = dialog();
    // Escape closes the dialog: the move is cancelled, the card goes back.
    if (d) d.addEventListener("cancel", function () { closeDialog(); snapBack("", true); });
  });
})();
