// The session screen: each scan and each tick is saved at once with fetch, so a dead tablet
// loses nothing; refusals are announced in large text and the scan box keeps focus.
import "./camera.js";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const form = document.querySelector("[data-scan-form]");
const result = document.querySelector("[data-scan-result]");
const uses = document.querySelector("[data-uses]");
const blockers = document.querySelector("[data-blockers]");
const complete = document.querySelector("[data-complete]");

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    body,
    headers: { Accept: "application/json", "X-CSRFToken": csrf },
    credentials: "same-origin",
  });
  if (response.redirected && new URL(response.url).pathname.startsWith("/auth/login")) {
    window.location.assign(response.url); // an older server: straight to the login page
    return null;
  }
  try {
    return await response.json(); // a 401 {"error": "signed_out"} too: see signedOut()
  } catch (error) {
    return { ok: false, message: "The server did not answer properly: scan again." };
  }
}

// Signed out (idle timeout, or the login ended elsewhere): the server answers 401 in JSON.
// Say so, with a link to sign in that comes back to this screen.
function signedOut(data, after) {
  const login = new URL(data.login_url || "/auth/login", window.location.origin);
  login.searchParams.set("next", window.location.pathname);
  const link = Object.assign(document.createElement("a"), { href: login.pathname + login.search, textContent: "Sign in again" });
  result.className = "scan-result scan-bad";
  result.replaceChildren(`${data.message} `, link, after);
  link.focus();
}

// The scan typed when the login had gone waits in this tab (sessionStorage) for the technician
// to come back to this screen; it is put back in the box, never sent on its own.
const KEPT = `smp-kept-scan:${window.location.pathname}`;
const KEPT_FOR_MS = 60 * 60 * 1000;

function keepScan(form) {
  const fields = ["barcode", "diluent", "lot_number", "acknowledge_reason"];
  const kept = Object.fromEntries(fields.map((name) => [name, form.elements[name] ? form.elements[name].value : ""]));
  try { sessionStorage.setItem(KEPT, JSON.stringify({ ...kept, at: Date.now() })); } catch (error) { /* private mode */ }
}

function restoreScan(form) {
  let kept = null;
  try {
    kept = JSON.parse(sessionStorage.getItem(KEPT));
    sessionStorage.removeItem(KEPT);
  } catch (error) { return false; }
  if (!kept || !kept.barcode || Date.now() - kept.at > KEPT_FOR_MS) return false;
  for (const [name, value] of Object.entries(kept)) {
    if (form.elements[name] && value) form.elements[name].value = value;
  }
  return true;
}

function show(kind, text) {
  result.className = `scan-result scan-${kind}`;
  result.textContent = text;
}

function updateBlockers(list) {
  if (!blockers || !list) return;
  blockers.replaceChildren(...list.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
  if (complete) complete.disabled = list.length > 0;
}

function addUse(use) {
  const item = document.createElement("li");
  item.className = "card use";
  const title = document.createElement("strong");
  title.textContent = use.product;
  const detail = document.createElement("span");
  detail.textContent = use.detail; // worded by the server, as the page prints it
  item.append(title, " ", detail);
  uses.append(item);
}

if (form) {
  const input = form.querySelector("input[name=barcode]");
  const ack = form.querySelector("[data-ack]");
  const reason = form.querySelector("textarea[name=acknowledge_reason]");
  const diluent = form.querySelector("[data-diluent]");
  const lotEntry = form.querySelector("[data-lot-entry]");
  const lot = form.querySelector("[data-lot]");
  // A scanner presses Enter after the diluent too: move on to the pigment instead of posting.
  if (diluent) {
    diluent.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); input.focus(); }
    });
  }
  let busy = false;
  // Until this script runs, Enter posts the form the plain way (still saved, with a page reload);
  // the flag lets tests and the page's own styles know scanning is live.
  form.dataset.ready = "true";
  if (restoreScan(form)) {
    if (lot && lot.value) lotEntry.open = true;
    ack.hidden = !reason.value; // a kept reason is shown, never sent unseen
    show("info", "Your scan from before you were signed out is back in the box. Check it, then press Enter to save it.");
    input.focus();
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy || !input.value) return;
    busy = true;
    show("busy", "Saving…");
    try {
      const data = await post(form.action, new FormData(form));
      if (!data) return;
      if (data.error === "signed_out") {
        keepScan(form);
        signedOut(data, ": your scan is kept.");
        return;
      }
      if (data.ok) {
        show(data.duplicate ? "info" : "ok", `${data.message} ${data.use.product}, ${data.use.summary}.`);
        if (!data.duplicate) addUse(data.use);
        updateBlockers(data.blockers);
        input.value = "";
        reason.value = "";
        if (diluent) diluent.value = "";
        if (lot) lot.value = "";
        if (lotEntry) lotEntry.open = false;
        ack.hidden = true;
      } else {
        show("bad", data.message);
        // "manual_lot": the barcode names no lot and the product allows typing it.
        const askLot = data.acknowledge === "manual_lot";
        if (lotEntry) lotEntry.open = askLot;
        ack.hidden = !data.acknowledge || askLot;
        if (!data.acknowledge) input.select();
      }
    } catch (error) {
      show("bad", "Not saved: the connection failed. Scan again.");
    } finally {
      busy = false;
      if (result.querySelector("a")) { /* the sign-in link keeps the focus */ }
      else if (lotEntry && lotEntry.open) lot.focus();
      else if (ack.hidden) input.focus();
      else reason.focus();
    }
  });
}

for (const tickForm of document.querySelectorAll("[data-tick-form]")) {
  const box = tickForm.querySelector("[data-tick]");
  box.addEventListener("change", async () => {
    if (!box.checked) return;
    box.disabled = true;
    const data = await post(tickForm.action, new FormData(tickForm)).catch(() => null);
    if (data && data.error === "signed_out") {
      box.checked = false;
      box.disabled = false;
      signedOut(data, ", then tick it again.");
    } else if (data && data.ok) {
      tickForm.querySelector("[data-when]").textContent = data.at;
      updateBlockers(data.blockers);
    } else {
      box.checked = false;
      box.disabled = false;
      show("bad", data ? data.message : "Not saved: the connection failed. Tick again.");
    }
  });
}
