// The camera button next to a scan box: decode from the live video, put the text in the box
// and submit its form, exactly as a keyboard-wedge scanner would.
import { getDetector } from "./decoder.js";

async function scanInto(input, view) {
  const video = view.querySelector("video");
  const status = view.querySelector(".camera-status");
  view.hidden = false;
  status.textContent = "Starting the camera…";
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment" },
      audio: false,
    });
  } catch (error) {
    status.textContent = "The camera is not available here: use the scanner or type the code.";
    return;
  }
  video.srcObject = stream;
  await video.play();
  const { detector } = await getDetector();
  status.textContent = "Hold the barcode inside the picture.";
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
