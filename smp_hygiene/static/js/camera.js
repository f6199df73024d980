// The camera button next to a scan box: decode from the live video, put the text in the box
// and submit its form, exactly as a keyboard-wedge scanner would. A page words the camera's
// messages for its own reader with data-say-starting, -aim and -unavailable on the view.
import { getDetector } from "./decoder.js";

const WORDS = {
  starting: "Starting the camera…",
  aim: "Hold the barcode inside the picture.",
  unavailable: "The camera is not available here: use the scanner or type the code.",
};

function say(view, key) {
  const own = view.dataset[`say${key[0].toUpperCase()}${key.slice(1)}`];
  view.querySelector(".camera-status").textContent = own || WORDS[key];
}

async function openCamera() {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: "environment" },
    audio: false,
  });
  try {
    return { stream, detector: (await getDetector()).detector };
  } catch (error) {
    for (const track of stream.getTracks()) track.stop(); // no decoder: no use for the camera
    throw error;
  }
}

async function scanInto(input, view) {
  const video = view.querySelector("video");
  view.hidden = false;
  say(view, "starting");
  let stream, detector;
  try {
    ({ stream, detector } = await openCamera());
  } catch (error) {
    say(view, "unavailable");
    return;
  }
  video.srcObject = stream;
  await video.play();
  say(view, "aim");
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    view.hidden = true;
    input.focus();
  };
  view.querySelector("[data-camera-stop]").onclick = stop;
  while (!stopped) {
    const codes = await detector.detect(video).catch(() => []);
    if (codes.length) {
      stop();
      input.value = codes[0].rawValue;
      input.form.requestSubmit();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

for (const button of document.querySelectorAll("[data-camera-for]")) {
  const input = document.getElementById(button.dataset.cameraFor);
  const view = document.querySelector(`[data-camera-view="${button.dataset.cameraFor}"]`);
  button.addEventListener("click", () => scanInto(input, view));
}

// A page meant to work offline (the patient's card check) loads the decoder while it still can;
// body[data-scanner] then says whether the camera button will be able to read a code.
if (document.querySelector("[data-camera-preload]")) {
  getDetector().then(
    () => { document.body.dataset.scanner = "ready"; },
    () => { document.body.dataset.scanner = "unavailable"; },
  );
}
