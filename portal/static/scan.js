/* Scanning for the store console: keyboard-wedge scanners (text + Enter) and the phone camera.
 *
 * Markup: the `ui.scan_form(...)` macro (form[data-scan-form] with input[data-scan-input]).
 * Each scan is POSTed with fetch, header `X-IMS-Scan: 1`, the form's CSRF token and a fresh
 * idempotencyKey (a retried request after a lost answer replays instead of booking twice).
 * The view answers JSON {ok, message, html?, redirect?} (page.scan_result). Feedback: status
 * text, a short beep (WebAudio), a vibration, the input cleared and focused again.
 * Camera: BarcodeDetector where the browser has it, else the vendored ZXing decoder
 * (static/vendor/zxing-library.min.js, loaded on demand). Custom event `ims:scan` is
 * dispatched on the form after each answer (detail = the JSON) for page-specific updates. */
(function () {
  "use strict";
  var audio = null;

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function beep(ok) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return; }
      audio = audio || new Ctx();
      var tones = ok ? [[1318, 0, 0.09]] : [[330, 0, 0.15], [262, 0.2, 0.25]];
      tones.forEach(function (t) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = ok ? "sine" : "square";
        osc.frequency.value = t[0];
        gain.gain.value = 0.15;
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(audio.currentTime + t[1]);
        osc.stop(audio.currentTime + t[2]);
      });
    } catch (e) { /* sound is a nicety */ }
  }

  function vibrate(ok) {
    if (navigator.vibrate) { navigator.vibrate(ok ? 60 : [120, 80, 120]); }
  }

  function show(form, ok, message) {
    var status = form.querySelector("[data-scan-status]");
    if (status) {
      status.textContent = message || "";
      status.classList.toggle("ok", !!ok);
      status.classList.toggle("error", !ok);
    }
    form.classList.remove("flash-ok", "flash-error");
    void form.offsetWidth; // restart the animation
    form.classList.add(ok ? "flash-ok" : "flash-error");
    beep(ok);
    vibrate(ok);
  }

  function submitScan(form) {
    var input = form.querySelector("[data-scan-input]");
    var keyField = form.querySelector("[data-idempotency]");
    if (!input || !input.value.trim() || form.dataset.busy === "1") { return; }
    form.dataset.busy = "1";
    var data = new FormData(form);
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-IMS-Scan": "1", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, message: response.status + " " + response.statusText };
      });
    }).then(function (answer) {
      show(form, !!answer.ok, answer.message);
      if (answer.html !== undefined) {
        var target = document.querySelector(form.getAttribute("data-scan-target") || "[data-scan-result]");
        if (target) { target.innerHTML = answer.html; } // server-rendered, escaped by Jinja
      }
      form.dispatchEvent(new CustomEvent("ims:scan", { detail: answer, bubbles: true }));
      if (answer.redirect) { window.location.assign(answer.redirect); return; }
      input.value = "";
      if (keyField) { keyField.value = newKey(); } // the next scan is a new operation
    }).catch(function () {
      // Network failure: keep the same key, so scanning again cannot book twice.
      show(form, false, form.getAttribute("data-msg-network-error") || "Network error");
    }).then(function () {
      form.dataset.busy = "";
      input.focus();
    });
  }

  // ------------------------------------------------------------------ camera

  var ZXING_SRC = null;

  function loadZxing() {
    return new Promise(function (resolve, reject) {
      if (window.ZXing) { resolve(window.ZXing); return; }
      var script = document.createElement("script");
      script.src = ZXING_SRC;
      script.onload = function () { window.ZXing ? resolve(window.ZXing) : reject(new Error("no ZXing")); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(null); }
    var wanted = ["code_128", "qr_code", "ean_13", "ean_8", "code_39", "upc_a", "data_matrix"];
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      var usable = wanted.filter(function (f) { return formats.indexOf(f) >= 0; });
      if (!usable.length) { return null; }
      var detector = new window.BarcodeDetector({ formats: usable });
      return function (video) {
        return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      };
    }).catch(function () { return null; });
  }

  // A canvas → text decoder on the vendored ZXing library (null when nothing is found).
  function zxingCanvasDecoder() {
    return loadZxing().then(function (ZXing) {
      var hints = new Map();
      hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS, [
        ZXing.BarcodeFormat.CODE_128, ZXing.BarcodeFormat.QR_CODE, ZXing.BarcodeFormat.EAN_13,
        ZXing.BarcodeFormat.EAN_8, ZXing.BarcodeFormat.CODE_39, ZXing.BarcodeFormat.UPC_A
      ]);
      hints.set(ZXing.DecodeHintType.TRY_HARDER, true);
      var reader = new ZXing.MultiFormatReader();
      reader.setHints(hints);
      return function (canvas) {
        try {
          var source = new ZXing.HTMLCanvasElementLuminanceSource(canvas);
          return reader.decode(new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(source))).getText();
        } catch (e) {
          return null; // NotFoundException: nothing in this frame
        }
      };
    });
  }

  function zxingDetector() {
    return zxingCanvasDecoder().then(function (decodeCanvas) {
      var canvas = document.createElement("canvas");
      return function (video) {
        var w = video.videoWidth, h = video.videoHeight;
        if (!w || !h) { return Promise.resolve(null); }
        canvas.width = w; canvas.height = h;
        canvas.getContext("2d", { willReadFrequently: true }).drawImage(video, 0, 0, w, h);
        return Promise.resolve(decodeCanvas(canvas));
      };
    });
  }

  function startCamera(form) {
    var box = form.querySelector("[data-scan-video-box]");
    var video = form.querySelector("[data-scan-video]");
    var input = form.querySelector("[data-scan-input]");
    var stream = null;
    var running = true;

    function stop() {
      running = false;
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      box.hidden = true;
      input.focus();
    }
    form.querySelector("[data-scan-stop]").onclick = stop;

    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        box.hidden = false;
        return video.play();
      })
      .then(nativeDetector)
      .then(function (detect) { return detect || zxingDetector(); })
      .then(function (detect) {
        function tick() {
          if (!running) { return; }
          detect(video).then(function (text) {
            if (text) {
              stop();
              input.value = text;
              submitScan(form);
            } else {
              window.setTimeout(tick, 150);
            }
          }, function () { window.setTimeout(tick, 300); });
        }
        tick();
      })
      .catch(function () {
        stop();
        show(form, false, form.getAttribute("data-msg-camera-error") || "Camera not available");
      });
  }

  var me = document.currentScript;
  ZXING_SRC = me ? me.src.replace(/scan\.js.*$/, "vendor/zxing-library.min.js") : "vendor/zxing-library.min.js";
  // For pages and tests that decode a canvas themselves (same reader as the camera fallback).
  window.IMSScan = { zxingCanvasDecoder: zxingCanvasDecoder, submit: submitScan };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-scan-form]").forEach(function (form) {
      var input = form.querySelector("[data-scan-input]");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        submitScan(form);
      });
      // Keyboard-wedge scanners type fast and end with Enter (the form submits); keep focus on
      // the input when the page is tapped elsewhere without a target of its own.
      document.addEventListener("click", function (event) {
        if (!event.target.closest("a, button, input, select, textarea, label, video")) { input.focus(); }
      });
      var camera = form.querySelector("[data-scan-camera]");
      if (camera && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
        camera.hidden = false;
        camera.addEventListener("click", function () { startCamera(form); });
      }
      input.focus();
    });
  });
})();
