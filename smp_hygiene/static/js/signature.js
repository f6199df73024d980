// The consent signature: drawn with a finger, stylus or mouse on a canvas, sent as a PNG.
const form = document.querySelector("[data-signature-form]");
if (form) {
  const canvas = form.querySelector("canvas");
  const field = form.querySelector("[data-signature-input]");
  const context = canvas.getContext("2d");
  let drawing = false;
  let signed = false;

  context.lineWidth = 3;
  context.lineCap = "round";
  context.strokeStyle = "#000";

  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [
      ((event.clientX - box.left) * canvas.width) / box.width,
      ((event.clientY - box.top) * canvas.height) / box.height,
    ];
  };
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    context.beginPath();
    context.moveTo(...point(event));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    context.lineTo(...point(event));
    context.stroke();
    signed = true;
  });
  for (const name of ["pointerup", "pointercancel"]) {
    canvas.addEventListener(name, () => {
      drawing = false;
    });
  }
  form.querySelector("[data-signature-clear]").addEventListener("click", () => {
    context.clearRect(0, 0, canvas.width, canvas.height);
    signed = false;
  });
  form.addEventListener("submit", () => {
    field.value = signed ? canvas.toDataURL("image/png") : "";
  });
}
