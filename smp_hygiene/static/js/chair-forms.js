// Every chair page: a form marked data-once disables its buttons on submit (the server's nonce
// guard catches what slips through), and print buttons print.
for (const form of document.querySelectorAll("form[data-once]")) {
  form.addEventListener("submit", () => {
    // After this tick, so the clicked button's name/value still goes with the form.
    setTimeout(() => {
      for (const button of form.querySelectorAll("button[type=submit], button:not([type])")) {
        button.disabled = true;
      }
    }, 0);
  });
}

for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
