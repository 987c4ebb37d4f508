// The print view's one button: open the browser's print dialog (where "Save as PDF" is too).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
