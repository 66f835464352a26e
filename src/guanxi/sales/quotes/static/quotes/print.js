// The printable quote: a button that opens the browser's print dialog (inline scripts are not allowed).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
});
