// Decodes QR codes off the main thread (classic worker: jsQR is a UMD script). Receives an ImageBitmap
// (drawn here on an OffscreenCanvas) or raw RGBA pixels; answers {text} or {text: null}; says {ready: true} first.
// If jsQR cannot load (no network, nothing cached) this throws and the page sees the worker's error event.
importScripts("/static/vendor/jsqr/jsQR.js");
self.postMessage({ ready: true }); // the page waits for this before it feeds frames

let canvas = null;
let ctx = null;

self.onmessage = (event) => {
  const { bitmap, pixels, width, height } = event.data;
  let data = pixels;
  if (bitmap) {
    if (!canvas || canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
      canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      ctx = canvas.getContext("2d", { willReadFrequently: true });
    }
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    data = ctx.getImageData(0, 0, width, height).data;
  }
  const found = self.jsQR(data, width, height, { inversionAttempts: "dontInvert" });
  self.postMessage({ text: found ? found.data : null });
};
