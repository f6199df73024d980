// Offline check of a signed treatment card: the same rules as services/offline_check.py.
// Ed25519 comes from the browser's own Web Crypto (crypto.subtle, Chromium 137+, Firefox 129+,
// Safari 17+); no library is loaded. After the page loads, nothing is fetched: the keys and the
// revocation list are kept in localStorage and their age is shown. Everything it says is for the
// patient holding the card: what the card is, and what to do next; the page's "How this works"
// holds the technical detail.
"use strict";

(function () {
  const SKEW_MS = 5 * 60 * 1000; // device clocks drift; a few minutes is not fraud
  // A card carries the clinic's calendar day, up to 14 h ahead of UTC's (as offline_check.py).
  const DAY_AHEAD_MS = 14 * 3600 * 1000;
  const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
  const STORE = "smp-hygiene-offline-v1";
  const SIGNATURE_CHARS = 86;
  const REVOKED_WORDS = {
    voided: "the clinic withdrew this record",
    replaced: "the clinic replaced this card with a newer one",
  };
  // A "recall" entry is a notice, the card stays genuine; its optional "notice" field says which.
  // Older pages read every one as the supply recall, which still sends the patient to the record.
  const RECALL_NOTICE = "a supply used in this treatment was recalled: open the record or ask the clinic";
  const NOTICE_WORDS = {
    sterilisation: "the instruments used were sterilised in a load later quarantined after a failed spore test: open the record or ask the clinic",
  };
  const OTHER_NOTICE = "the clinic published a notice about this treatment: open the record or ask it";
  const encoder = new TextEncoder();
  let lists = { keys: null, revocations: null, fetchedAt: null };

  function b64d(text) {
    let s = String(text).replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    const binary = atob(s);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  function b64e(bytes) {
    let s = "";
    bytes.forEach((b) => { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  async function tokenFingerprint(token) {
    const digest = await crypto.subtle.digest("SHA-256", encoder.encode("smph-revoke|" + token));
    return b64e(new Uint8Array(digest).slice(0, 12));
  }

  async function signatureMatches(publicKey, message, signature) {
    try {
      const key = await crypto.subtle.importKey("raw", b64d(publicKey), { name: "Ed25519" }, false, ["verify"]);
      return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, encoder.encode(message));
    } catch (error) {
      return false;
    }
  }

  function day(ms) { return new Date(ms).toISOString().slice(0, 10).replace(/-/g, ""); }

  function parse(text) {
    const trimmed = text.trim();
    const hash = trimmed.indexOf("#");
    const url = hash < 0 ? trimmed : trimmed.slice(0, hash);
    const fragment = hash < 0 ? "" : trimmed.slice(hash + 1);
    const at = url.lastIndexOf("/v/");
    const token = at < 0 ? "" : url.slice(at + 3);
    if (at < 0 || !token || /[/?]/.test(token)) throw new Error("this is not the code of a treatment card");
    if (!fragment) throw new Error("the code is incomplete: the clinic's signature is missing (was only part of it copied?)");
    const parts = fragment.split(".");
    if (parts[0] !== "1") throw new Error("this card is newer than this page: reload the page with internet, then check again");
    if (parts.length !== 7 || parts[6].length !== SIGNATURE_CHARS) throw new Error("the code is incomplete or damaged: scan or copy all of it again");
    const [, keyId, date, clinic, lots, sealed, signature] = parts;
    if (!/^\d{8}$/.test(date) || !/^\d+$/.test(clinic)) throw new Error("the code is damaged: its date or clinic cannot be read");
    return {
      base: url.slice(0, at), token, keyId, date, clinicId: Number(clinic), lots, sealed,
      signature: b64d(signature),
      message: ["smph1", token, keyId, date, clinic, lots, sealed].join("|"),
    };
  }

  function findKey(keys, keyId) { return ((keys && keys.keys) || []).find((k) => k.key_id === keyId) || null; }

  async function signatureProblem(code, keys, now) {
    const key = findKey(keys, code.keyId);
    if (!key) return "the card is signed with a key no clinic here has published (key " + code.keyId + ")";
    if (key.clinic_id !== code.clinicId) return "the card's signature belongs to another clinic";
    if (!(await signatureMatches(key.public_key, code.message, code.signature))) {
      return "the card's details do not match the clinic's signature: the code was altered or forged";
    }
    if (key.valid_until && code.date > day(Date.parse(key.valid_until) + SKEW_MS + DAY_AHEAD_MS)) return "the card was signed with a key the clinic had already stopped using";
    if (code.date > day(now + SKEW_MS + DAY_AHEAD_MS)) return "the card is dated in the future: check this phone's date";
    if (code.base !== window.location.origin) return "this card belongs to another website (" + code.base + "): check it there";
    return null;
  }

  async function revocationList(doc, keys, clinicId, now) {
    if (!doc) return "the list of withdrawn cards could not be loaded";
    const entry = (doc.lists || []).find((e) => e.clinic_id === clinicId);
    if (!entry) return "the list of withdrawn cards does not include this clinic yet";
    const key = findKey(keys, entry.key_id);
    if (!key || key.clinic_id !== clinicId) return "the list of withdrawn cards is signed with an unknown key";
    if (!(await signatureMatches(key.public_key, entry.payload, b64d(entry.signature)))) {
      return "the list of withdrawn cards was altered";
    }
    const payload = JSON.parse(entry.payload);
    const issued = Date.parse(payload.issued_at);
    if (issued > now + SKEW_MS) return "the list of withdrawn cards is dated in the future: check this phone's date";
    if (now - issued > MAX_AGE_MS + SKEW_MS) return "the list of withdrawn cards on this phone is " + age(now - issued) + " old";
    payload.ageMs = Math.max(now - issued, 0);
    return payload;
  }

  function noticeText(word) {
    if (word === undefined || word === null) return RECALL_NOTICE;
    return typeof word === "string" && Object.hasOwn(NOTICE_WORDS, word) ? NOTICE_WORDS[word] : OTHER_NOTICE;
  }

  function noticeTexts(entries) {
    return [...new Set(entries.filter((r) => r.reason === "recall").map((r) => noticeText(r.notice)))];
  }

  async function check(text, now) {
    let code;
    try { code = parse(text); } catch (error) { return { status: "invalid", reasons: [error.message] }; }
    const problem = await signatureProblem(code, lists.keys, now);
    if (problem) return { status: "invalid", reasons: [problem], code };
    const listing = await revocationList(lists.revocations, lists.keys, code.clinicId, now);
    if (typeof listing === "string") return { status: "unchecked", reasons: ["we could not check whether the clinic withdrew it: " + listing], code };
    const fingerprint = await tokenFingerprint(code.token);
    const entries = (listing.revoked || []).filter((r) => r.t === fingerprint);
    const reasons = new Set(entries.map((r) => r.reason));
    const revoked = Object.keys(REVOKED_WORDS).filter((r) => reasons.has(r));
    if (revoked.length) return { status: "revoked", reasons: revoked.map((r) => REVOKED_WORDS[r]), code, ageMs: listing.ageMs };
    if (reasons.has("recall")) return { status: "recall", reasons: noticeTexts(entries), code, ageMs: listing.ageMs };
    return { status: "valid", reasons: ["issued by the clinic, and the record has not been changed or withdrawn"], code, ageMs: listing.ageMs };
  }

  const TITLES = {
    valid: ["Genuine card", "verdict-ok"],
    recall: ["Genuine card, with a notice from the clinic", "verdict-warn"],
    unchecked: ["Genuine card, but not fully checked", "verdict-warn"],
    revoked: ["This card is no longer valid", "verdict-bad"],
    invalid: ["This card could not be confirmed", "verdict-bad"],
  };
  const NEXT = {
    valid: "Open the link in the code with internet to see what was used on you.",
    recall: "Open the link in the code with internet to read the notice, or call the clinic that treated you.",
    unchecked: "Connect to the internet and check again, or open the link in the code.",
    revoked: "Ask the clinic that treated you for your current card.",
    invalid: "Scan the card again. If it still cannot be confirmed, ask the clinic that treated you.",
  };

  function age(ms) {
    const minutes = Math.round(ms / 60000);
    if (minutes < 60) return minutes + " minute" + (minutes === 1 ? "" : "s");
    const hours = Math.round(minutes / 60);
    if (hours < 48) return hours + " hour" + (hours === 1 ? "" : "s");
    return Math.round(hours / 24) + " days";
  }

  function show(result) {
    const box = document.getElementById("result");
    const [title, css] = TITLES[result.status];
    box.className = "verdict " + css;
    box.dataset.status = result.status;
    document.getElementById("result-title").textContent = title;
    document.getElementById("result-next").textContent = NEXT[result.status];
    const list = document.getElementById("result-reasons");
    list.replaceChildren(...result.reasons.map((r) => { const li = document.createElement("li"); li.textContent = r; return li; }));
    const details = [];
    if (result.code && result.status !== "invalid") {
      const key = findKey(lists.keys, result.code.keyId);
      const d = result.code.date;
      details.push((key ? key.clinic : "Clinic " + result.code.clinicId) + ", treatment of " + d.slice(0, 4) + "-" + d.slice(4, 6) + "-" + d.slice(6));
    }
    if (result.ageMs !== undefined) details.push("list of withdrawn cards checked, updated " + age(result.ageMs) + " ago");
    document.getElementById("result-details").textContent = details.join(" · ");
    box.hidden = false;
  }

  function remember() {
    try { window.localStorage.setItem(STORE, JSON.stringify(lists)); } catch (error) { /* private mode */ }
  }

  function recall() {
    try { return JSON.parse(window.localStorage.getItem(STORE)) || null; } catch (error) { return null; }
  }

  async function fetchJson(url) {
    const response = await fetch(url, { cache: "no-store", credentials: "omit" });
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  }

  async function load() {
    const status = document.getElementById("lists-status");
    const cached = recall() || {};
    const [keys, revocations] = await Promise.allSettled([
      fetchJson("/.well-known/smp-hygiene-keys.json"),
      fetchJson("/.well-known/smp-hygiene-revocations.json"),
    ]);
    lists = {
      keys: keys.status === "fulfilled" ? keys.value : cached.keys || null,
      revocations: revocations.status === "fulfilled" ? revocations.value : cached.revocations || null,
      fetchedAt: keys.status === "fulfilled" ? Date.now() : cached.fetchedAt || null,
    };
    remember();
    if (!lists.keys) {
      status.textContent = "This page could not get what it needs to check cards: connect to the internet, then reload it.";
    } else {
      status.textContent = "Ready to check cards, also without internet" +
        (lists.fetchedAt ? " (updated " + age(Date.now() - lists.fetchedAt) + " ago)." : ".");
    }
    document.body.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.crypto || !window.crypto.subtle) {
      document.getElementById("lists-status").textContent = "This browser cannot check cards here: open this page in an up-to-date browser, at an https:// address.";
      return;
    }
    document.getElementById("check-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      show(await check(document.getElementById("code").value, Date.now()));
    });
    load();
  });
})();
