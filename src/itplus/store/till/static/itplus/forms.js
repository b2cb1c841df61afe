// Back-office forms: a refused request always shows its message, a long action shows
// that it is working. Loaded after htmx on every page that uses it (no inline script:
// the pages are served under a Content-Security-Policy).
//
// - HTMX does not swap 4xx answers by default. Our views answer a refused form with the
//   form itself, its errors in place, as 400 or 422: those are swapped like a 200. Any
//   other refusal (403, 404, 500, no connection, a whole error page) shows its message at
//   the top of the page, so a click never ends in silence.
// - A form with data-progress="Verificando…" disables its buttons while it is sent and
//   shows that text with a progress bar next to them, until the answer arrives.
(() => {
  const TEXT = {
    403: "No tiene permiso para hacer esto (o la sesión venció: ingrese de nuevo).",
    404: "No se encontró lo pedido: quizás otra persona lo cambió. Recargue la página.",
    network: "Sin conexión con el servidor: no se guardó nada. Reintente.",
    server: (status) => `El servidor respondió con un error (${status}): no se guardó nada. Reintente.`,
  };
  const FORM_ERRORS = new Set([400, 422]);

  const isWholePage = (html) => /<html[\s>]/i.test(html.slice(0, 500));

  function messageFor(xhr) {
    if (!xhr || !xhr.status) return TEXT.network;
    try {
      const detail = JSON.parse(xhr.responseText)?.detail;
      if (typeof detail === "string" && detail) return detail;
    } catch {
      /* not JSON: an HTML page */
    }
    return TEXT[xhr.status] || TEXT.server(xhr.status);
  }

  function topError(text) {
    const host = document.getElementById("content-main") || document.querySelector("main") || document.body;
    let note = document.getElementById("form-request-error");
    if (!text) return note?.remove();
    if (!note) {
      note = document.createElement("p");
      note.id = "form-request-error";
      note.className = "errornote";
      note.setAttribute("role", "alert");
    }
    note.textContent = text;
    host.prepend(note);
    note.scrollIntoView({ block: "nearest" });
  }

  // ------------------------------------------------------------ HTMX

  document.addEventListener("htmx:beforeRequest", () => topError(""));
  document.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (FORM_ERRORS.has(xhr.status) && !isWholePage(xhr.responseText || "")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false; // the form with its errors is the answer
    } else if (xhr.status >= 400) {
      event.detail.shouldSwap = false;
      topError(messageFor(xhr));
    }
  });
  document.addEventListener("htmx:sendError", () => topError(TEXT.network));
  document.addEventListener("htmx:timeout", () => topError(TEXT.network));

  // ------------------------------------------------------------ long actions

  function busy(form, on) {
    form.setAttribute("aria-busy", String(on));
    form.querySelectorAll("button, input[type=submit]").forEach((b) => (b.disabled = on));
    let status = form.querySelector(".form-progress");
    if (!on) return status?.remove();
    if (!status) {
      status = document.createElement("span");
      status.className = "form-progress";
      status.setAttribute("role", "status");
      const bar = document.createElement("progress"); // no value: it moves until the answer
      const label = document.createElement("span");
      status.append(bar, " ", label);
      form.append(status);
    }
    status.querySelector("span").textContent = form.dataset.progress;
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.progress) return;
    if (form.getAttribute("aria-busy") === "true") return event.preventDefault(); // sent once
    // After the browser has taken the submitter's value: a disabled button is not sent.
    setTimeout(() => busy(form, true), 0);
  });
  // Back from the next page (bfcache): the form is usable again.
  window.addEventListener("pageshow", () => document.querySelectorAll("form[aria-busy=true]").forEach((f) => busy(f, false)));
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt?.closest?.("form[data-progress]");
    if (form) busy(form, false);
  });
})();
