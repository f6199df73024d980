// Every signed-in page: say which header link is the page you are on, and let a keyboard reach a
// table that is wider than the screen.

// The layouts list their pages without knowing which one renders them; the URL does.
for (const link of document.querySelectorAll(".pages a")) {
  if (new URL(link.href).pathname === window.location.pathname) {
    link.setAttribute("aria-current", "page");
  }
}

// A wide table scrolls sideways inside the page on a phone. Only the mouse and touch could
// scroll it, so while it overflows it joins the tab order, where arrow keys scroll it (WCAG 2.1.1).
function reachWideTables() {
  for (const table of document.querySelectorAll("main table")) {
    if (table.scrollWidth > table.clientWidth + 1) {
      table.tabIndex = 0;
    } else {
      table.removeAttribute("tabindex");
    }
  }
}

reachWideTables();
window.addEventListener("resize", reachWideTables);
