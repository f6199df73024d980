// Offline check of a signed treatment card: the same rules as services/offline_check.py.
// Ed25519 comes from the browser's own Web Crypto (crypto.subtle, Chromium 137+, Firefox 129+,
// Safari 17+); no library is loaded. After the page loads, nothing is fetched: the keys and the
// revocation list are kept in localStorage and their age is shown.
"use strict";

(function () {
  const SKEW_MS = 5 * 60 * 1000; // device clocks drift; a few minutes is not fraud
  const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
  const STORE = "smp-hygiene-offline-v1";
  const SIGNATURE_CHARS = 86;
  const REVOKED_WORDS = {
    voided: "the clinic voided this record",
    replaced: "this card was replaced by a newer one",
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
    if (at < 0 || !token || /[/?]/.test(token)) throw new Error("this is not a treatment record code (no /v/<token> link)");
    if (!fragment) throw new Error("the code carries no signature (it may have been cut short)");
    const parts = fragment.split(".");
    if (parts[0] !== "1") throw new Error("unknown code version " + parts[0]);
    if (parts.length !== 7 || parts[6].length !== SIGNATURE_CHARS) throw new Error("the signature is incomplete: the code was truncated or damaged");
    const [, keyId, date, clinic, lots, sealed, signature] = parts;
    if (!/^\d{8}$/.test(date) || !/^\d+$/.test(clinic)) throw new Error("the date or clinic in the code is unreadable");
    return {
      base: url.slice(0, at), token, keyId, date, clinicId: Number(clinic), lots, sealed,
      signature: b64d(signature),
      message: ["smph1", token, keyId, date, clinic, lots, sealed].join("|"),
    };
  }

  function findKey(keys, keyId) { return ((keys && keys.keys) || []).find((k) => k.key_id === keyId) || null; }

  async function signatureProblem(code, keys, now) {
    const key = findKey(keys, code.keyId);
    if (!key) return "signed with key '" + code.keyId + "', which the clinic has not published";
    if (key.clinic_id !== code.clinicId) return "the key belongs to another clinic";
    if (!(await signatureMatches(key.public_key, code.message, code.signature))) {
      return "the signature does not match the record: the code was altered or forged";
    }
    if (key.valid_until && code.date > day(Date.parse(key.valid_until) + SKEW_MS)) return "signed after the clinic retired this key";
    if (code.date > day(now + SKEW_MS)) return "the record is dated in the future";
    if (code.base !== window.location.origin) return "the link points to another site (" + code.base + ")";
    return null;
  }

  async function revocationList(doc, keys, clinicId, now) {
    if (!doc) return "the revocation list could not be loaded";
    const entry = (doc.lists || []).find((e) => e.clinic_id === clinicId);
    if (!entry) return "the revocation list does not cover this clinic";
    const key = findKey(keys, entry.key_id);
    if (!key || key.clinic_id !== clinicId) return "the revocation list is signed with an unknown key";
    if (!(await signatureMatches(key.public_key, entry.payload, b64d(entry.signature)))) {
      return "the revocation list's signature does not match";
    }
    const payload = JSON.parse(entry.payload);
    const issued = Date.parse(payload.issued_at);
    if (issued > now + SKEW_MS) return "the revocation list is dated in the future: check this device's clock";
    if (now - issued > MAX_AGE_MS + SKEW_MS) return "the revocation list is " + Math.floor((now - issued) / 86400000) + " days old";
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
    if (typeof listing === "string") return { status: "unchecked", reasons: ["could not check for revocations: " + listing], code };
    const fingerprint = await tokenFingerprint(code.token);
    const entries = (listing.revoked || []).filter((r) => r.t === fingerprint);
    const reasons = new Set(entries.map((r) => r.reason));
    const revoked = Object.keys(REVOKED_WORDS).filter((r) => reasons.has(r));
    if (revoked.length) return { status: "revoked", reasons: revoked.map((r) => REVOKED_WORDS[r]), code, ageMs: listing.ageMs };
    if (reasons.has("recall")) return { status: "recall", reasons: noticeTexts(entries), code, ageMs: listing.ageMs };
    return { status: "valid", reasons: ["genuine and sealed; not revoked"], code, ageMs: listing.ageMs };
  }

  const TITLES = {
    valid: ["Genuine record", "verdict-ok"],
    recall: ["Genuine record, with a notice", "verdict-warn"],
    unchecked: ["Genuine signature, but revocations could not be checked", "verdict-warn"],
    revoked: ["Not valid: revoked", "verdict-bad"],
    invalid: ["Not valid", "verdict-bad"],
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
    const list = document.getElementById("result-reasons");
    list.replaceChildren(...result.reasons.map((r) => { const li = document.createElement("li"); li.textContent = r; return li; }));
    const details = [];
    if (result.code && result.status !== "invalid") {
      const key = findKey(lists.keys, result.code.keyId);
      const d = result.code.date;
      details.push((key ? key.clinic : "Clinic " + result.code.clinicId) + ", treatment of " + d.slice(0, 4) + "-" + d.slice(4, 6) + "-" + d.slice(6));
      details.push("lot fingerprint " + result.code.lots);
    }
    if (result.ageMs !== undefined) details.push("revocation list checked, issued " + age(result.ageMs) + " ago");
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
      status.textContent = "The clinics' keys could not be loaded: connect once to this site, then try again.";
    } else {
      const count = lists.keys.keys.length;
      status.textContent = "Ready: " + count + " published key" + (count === 1 ? "" : "s") + " on this device" +
        (lists.fetchedAt ? ", fetched " + age(Date.now() - lists.fetchedAt) + " ago." : ".");
    }
    document.body.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.crypto || !window.crypto.subtle) {
      document.getElementById("lists-status").textContent = "This browser cannot check signatures here (Web Crypto needs HTTPS).";
      return;
    }
    document.getElementById("check-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      show(await check(document.getElementById("code").value, Date.now()));
    });
    load();
  });
})();
