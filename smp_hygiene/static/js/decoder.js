// Barcode decoding for the camera button: the browser's own BarcodeDetector where it exists
// (Android Chrome, macOS), otherwise the vendored barcode-detector ponyfill (zxing-wasm), whose
// .wasm is served from our own static folder: no CDN, works offline.
const VENDOR = new URL("../vendor/barcode-detector/", import.meta.url);
export const FORMATS = ["qr_code", "data_matrix", "code_128"];

let detectorPromise = null;

async function nativeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const supported = await window.BarcodeDetector.getSupportedFormats();
    if (!FORMATS.every((format) => supported.includes(format))) return null;
    return new window.BarcodeDetector({ formats: FORMATS });
  } catch (error) {
    return null;
  }
}

async function vendoredDetector() {
  const api = await import(new URL("ponyfill.js", VENDOR).href);
  // Fetched and compiled now, not at the first detect(): the detector is ready (or has failed)
  // when this resolves, so a page preloading it can then go offline and still read codes.
  await api.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) =>
        path.endsWith(".wasm") ? new URL(path, VENDOR).href : prefix + path,
    },
    fireImmediately: true,
  });
  return new api.BarcodeDetector({ formats: FORMATS });
}

/** One detector per page; resolves to { detector, source: "native" | "zxing-wasm" }. */
export function getDetector() {
  if (!detectorPromise) {
    detectorPromise = nativeDetector().then(async (native) =>
      native ? { detector: native, source: "native" } : { detector: await vendoredDetector(), source: "zxing-wasm" },
    );
  }
  return detectorPromise;
}
