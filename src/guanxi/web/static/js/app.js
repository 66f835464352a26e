// Small behaviours shared by every page.
document.addEventListener("DOMContentLoaded", () => {
  // Bulk selection: a header checkbox toggles every row checkbox of its table.
  document.body.addEventListener("change", (event) => {
    const all = event.target.closest("[data-select-all]");
    if (!all) return;
    const table = all.closest("table");
    table.querySelectorAll("input[name=ids]").forEach((box) => { box.checked = all.checked; });
  });
});
