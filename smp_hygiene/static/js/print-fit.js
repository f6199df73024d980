// Keep each printed card on one page. The card is laid out in print units (mm, pt) on screen as
// on paper, so a hidden copy at the paper's width measures what the printer will get: an A6
// card whose supplies run long gets smaller type (down to 6 pt), a 62 mm roll card gets a page
// exactly as long as itself. body[data-print-ready] says the page may be printed.
const A6_CONTENT_MM = 146; // 148 mm less a margin for rounding: never a second, empty page
const SMALLEST_PT = 6;
const mm = (px) => (px * 25.4) / 96;

function probeOf(card) {
  const probe = card.cloneNode(true);
  probe.classList.add("print-probe");
  probe.removeAttribute("id");
  document.body.append(probe);
  return probe;
}

function fitA6(card) {
  const probe = probeOf(card);
  let size = 9;
  probe.style.fontSize = `${size}pt`;
  while (mm(probe.getBoundingClientRect().height) > A6_CONTENT_MM && size > SMALLEST_PT) {
    size -= 0.25;
    probe.style.fontSize = `${size}pt`;
  }
  probe.remove();
  card.style.fontSize = `${size}pt`;
}

function fitRoll(card) {
  const probe = probeOf(card);
  const length = Math.ceil(mm(probe.getBoundingClientRect().height)) + 2;
  probe.remove();
  const sheet = document.querySelector("link[data-print-sheet]").sheet;
  sheet.insertRule(`@page { size: 62mm ${length}mm; margin: 0; }`, sheet.cssRules.length);
}

function fit() {
  const card = document.querySelector("[data-print-card]");
  if (card && card.dataset.printCard === "a6") fitA6(card);
  if (card && card.dataset.printCard === "roll62") fitRoll(card);
  document.body.dataset.printReady = "true";
}

document.fonts.ready.then(fit);
window.addEventListener("beforeprint", fit);
