// The till's customer: boleta or factura, who the ticket is for, and store credit ("fiado").
// Nobody picked means the anonymous final consumer (66.666.666-6). A factura needs a
// customer with RUT, razón social, giro, dirección and comuna, so switching to factura
// opens the picker, and a customer that lacks some of them is completed in place: the
// picker shows just the missing fields and fills them (PATCH /customers/{id}, which only
// fills blanks). The server checks again and refuses a factura with
// "factura_sin_datos_comprador"; the till then offers the same completion and resends. "Fiado" is offered in the payment
// dialog only for an identified customer, with the credit still available; the server
// checks the limit again under a row lock. The choice lives in localStorage (per
// terminal) next to the ticket and is cleared when the sale is recorded.
import { ApiError } from "./api.js";
import { MSG } from "./messages.js";

const STORE_CREDIT = "cuenta_corriente";

const TEXT = {
  finalConsumer: "Consumidor final",
  finalRut: "66.666.666-6",
  facturaNeedsCustomer: "Una factura necesita un cliente con RUT: elija o cree uno.",
  facturaMissing: (name, fields) => `Para emitir una factura a ${name} faltan sus datos: ${fields}. Complételos aquí.`,
  completed: (name) => `Datos de ${name} completados.`,
  fiadoNeedsCustomer: "Para fiar, identifique al cliente (F3).",
  noCredit: (name) => `${name} no tiene cupo de crédito.`,
  available: (amount) => `Cupo disponible: ${amount}`,
  debt: (amount) => `Deuda: ${amount}`,
  noResults: "Sin resultados. Insert crea un cliente nuevo.",
  typeMore: "Escriba el RUT o el nombre.",
  created: (name) => `Cliente creado: ${name}.`,
  picked: (name) => `Cliente: ${name}.`,
};

const money = (amount) => `${amount < 0 ? "-" : ""}$${String(Math.abs(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;

export function createCustomerPicker({ api, terminal, showMessage }) {
  const bar = document.getElementById("customer-bar");
  const dialog = document.getElementById("dlg-customer");
  const key = `itplus.customer.${terminal}`;
  const slot = (root, name) => root.querySelector(`[data-slot="${name}"]`);
  const fiadoLabel = bar.dataset.fiadoLabel || "Fiado";
  MSG.methods[STORE_CREDIT] ??= fiadoLabel;

  let state = load();

  function load() {
    try {
      const saved = JSON.parse(localStorage.getItem(key));
      if (saved && (saved.kind === "boleta" || saved.kind === "factura")) return saved;
    } catch {
      /* replaced below */
    }
    return { kind: "boleta", customer: null };
  }

  function save() {
    localStorage.setItem(key, JSON.stringify(state));
    render();
  }

  const request = async (method, path, body) => (await api.request(method, path, body)).data;

  function render() {
    bar.querySelectorAll("[data-doc-kind]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.docKind === state.kind)));
    const c = state.customer;
    slot(bar, "customer-name").textContent = c ? c.name : bar.dataset.finalName || TEXT.finalConsumer;
    slot(bar, "customer-rut").textContent = c ? c.rut_display : TEXT.finalRut;
    const credit = slot(bar, "customer-credit");
    credit.hidden = !c || (!c.credit_limit_clp && !c.balance_clp);
    if (c) credit.textContent = `${TEXT.available(money(c.available_credit_clp))} · ${TEXT.debt(money(c.balance_clp))}`;
  }

  function setCustomer(customer) {
    state.customer = customer;
    save();
  }

  const lacksFacturaData = (c) => Boolean(c?.factura_missing?.length);

  async function setKind(kind) {
    if (kind === "factura") {
      await refresh(); // the saved customer may be stale (or saved before factura_missing)
      const c = state.customer;
      if (!c || lacksFacturaData(c)) {
        const picked = await pick({
          reason: c ? "" : TEXT.facturaNeedsCustomer,
          forFactura: true,
          completing: c,
        });
        if (!picked) return;
      }
    }
    state.kind = kind;
    save();
  }

  // ------------------------------------------------------------ picker dialog

  /** Pick a customer; ``assign`` false only answers who (an account payment), the
   * ticket keeps its own customer. */
  function pick({
    reason = "",
    forFactura = state.kind === "factura",
    completing = null,
    assign = true,
  } = {}) {
    if (dialog.open) return Promise.resolve(null);
    const form = dialog.querySelector("form");
    const input = dialog.querySelector("#customer-q");
    const list = slot(dialog, "list");
    const error = slot(dialog, "error");
    const fresh = slot(dialog, "new");
    const complete = slot(dialog, "complete");
    let target = null; // the customer whose missing factura data is being filled in
    let items = [];
    let index = -1;
    let timer = null;
    let seq = 0;
    const fail = (text) => {
      error.textContent = text || "";
      error.hidden = !text;
    };
    const draw = () => {
      if (!items.length) {
        const li = document.createElement("li");
        li.className = "none";
        li.textContent = input.value.trim() ? TEXT.noResults : TEXT.typeMore;
        list.replaceChildren(li);
        return;
      }
      list.replaceChildren(
        ...items.map((c, i) => {
          const li = document.createElement("li");
          li.role = "option";
          li.dataset.index = i;
          li.setAttribute("aria-selected", String(i === index));
          const name = document.createElement("span");
          name.textContent = c.name;
          const rut = document.createElement("small");
          rut.textContent = c.rut_display;
          const credit = document.createElement("small");
          credit.textContent = c.credit_limit_clp ? TEXT.available(money(c.available_credit_clp)) : "";
          li.append(name, rut, credit);
          li.addEventListener("click", () => {
            index = i;
            form.requestSubmit();
          });
          return li;
        }),
      );
    };
    const search = async () => {
      const q = input.value.trim();
      const mine = ++seq;
      if (q.length < 2) {
        items = [];
        index = -1;
        return draw();
      }
      try {
        const found = await request("GET", `/customers/search?q=${encodeURIComponent(q)}`);
        if (mine !== seq) return;
        items = found;
        index = found.length ? 0 : -1;
        draw();
      } catch (e) {
        fail(e.message);
      }
    };
    const showNew = () => {
      target = null;
      complete.hidden = true;
      fresh.hidden = false;
      const typed = input.value.trim();
      const rutField = fresh.querySelector('[name="rut"]');
      if (/^\d/.test(typed)) rutField.value = typed;
      else if (typed) fresh.querySelector('[name="name"]').value = typed;
      (rutField.value ? fresh.querySelector('[name="name"]') : rutField).focus();
    };
    const showComplete = (customer) => {
      const same = target && target.id === customer.id; // keep what the cashier already typed
      target = customer;
      fresh.hidden = true;
      complete.hidden = false;
      const missing = customer.factura_missing;
      complete.querySelectorAll("[data-field]").forEach((node) => {
        node.hidden = !missing.includes(node.dataset.field);
        if (node.tagName === "INPUT" && !same) node.value = "";
      });
      const labels = [...complete.querySelectorAll("label[data-field]")].filter((l) => !l.hidden).map((l) => l.textContent.toLowerCase());
      fail(TEXT.facturaMissing(customer.name || customer.rut_display, labels.join(", ")));
      complete.querySelector("input:not([hidden])")?.focus();
    };
    // A factura's buyer must be complete: otherwise fill in what is missing first.
    const ready = (customer) => {
      if (forFactura && lacksFacturaData(customer)) {
        showComplete(customer);
        return false;
      }
      return true;
    };

    fail(reason);
    input.value = "";
    fresh.hidden = true;
    complete.hidden = true;
    fresh.querySelectorAll("input").forEach((i) => (i.value = ""));
    items = [];
    draw();

    return new Promise((resolve) => {
      const finish = (value) => {
        clearTimeout(timer);
        form.removeEventListener("submit", submit);
        dialog.removeEventListener("close", cancel);
        dialog.removeEventListener("click", click);
        dialog.removeEventListener("keydown", keydown);
        input.removeEventListener("input", typed);
        if (dialog.open) dialog.close();
        resolve(value);
        setTimeout(() => document.getElementById("code")?.focus(), 0);
      };
      // Enter pressed again while a request is on its way waits for it: one request at a
      // time, each reading the fields as they are when its turn comes.
      let queue = Promise.resolve();
      const submit = (event) => {
        event.preventDefault();
        queue = queue.then(send, send);
      };
      const send = async () => {
        if (!dialog.open) return undefined;
        if (target) {
          const body = Object.fromEntries(
            [...complete.querySelectorAll("input:not([hidden])")].map((i) => [i.name, i.value.trim()]),
          );
          if (!Object.values(body).some(Boolean)) {
            showComplete(target); // nothing typed yet: say again what is missing
            return undefined;
          }
          try {
            const updated = await request("PATCH", `/customers/${target.id}`, body);
            setCustomer(updated);
            if (!ready(updated)) return undefined;
            showMessage(TEXT.completed(updated.name), "ok");
            return finish(updated);
          } catch (e) {
            return fail(e.message);
          }
        }
        if (!fresh.hidden) {
          const body = Object.fromEntries([...fresh.querySelectorAll("input")].map((i) => [i.name, i.value.trim()]));
          try {
            const created = await request("POST", "/customers", body);
            if (assign) setCustomer(created);
            showMessage(TEXT.created(created.name), "ok");
            if (!ready(created)) return undefined;
            return finish(created);
          } catch (e) {
            return fail(e.message);
          }
        }
        if (index < 0 || !items[index]) return fail(input.value.trim() ? TEXT.noResults : TEXT.typeMore);
        if (!ready(items[index])) return undefined;
        if (assign) {
          setCustomer(items[index]);
          showMessage(TEXT.picked(items[index].name), "info");
        }
        finish(items[index]);
      };
      const cancel = () => finish(null);
      const click = (event) => {
        if (event.target.closest("[data-close]")) return finish(null);
        const action = event.target.closest("[data-customer-action]")?.dataset.customerAction;
        if (action === "final") {
          if (assign) clearToFinal();
          finish(null);
        } else if (action === "new") showNew();
      };
      const keydown = (event) => {
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          if (!items.length || !fresh.hidden || target) return;
          event.preventDefault();
          index = (index + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
          draw();
        } else if (event.key === "Insert") {
          event.preventDefault();
          showNew();
        } else if (event.key === "F3") {
          event.preventDefault();
          if (assign) clearToFinal();
          finish(null);
        }
      };
      const typed = () => {
        clearTimeout(timer);
        timer = setTimeout(search, 200);
      };
      form.addEventListener("submit", submit);
      dialog.addEventListener("close", cancel);
      dialog.addEventListener("click", click);
      dialog.addEventListener("keydown", keydown);
      input.addEventListener("input", typed);
      dialog.showModal();
      input.focus();
      if (completing) ready(completing);
    });
  }

  function clearToFinal() {
    state = { kind: "boleta", customer: null }; // a factura needs a customer
    save();
  }

  async function refresh() {
    if (!state.customer) return;
    try {
      setCustomer(await request("GET", `/customers/${state.customer.id}`));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) clearToFinal();
    }
  }

  // ------------------------------------------------------------ wiring

  bar.addEventListener("click", (event) => {
    const kind = event.target.closest("[data-doc-kind]")?.dataset.docKind;
    if (kind) return setKind(kind);
    if (event.target.closest('[data-customer-action="pick"]')) pick();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "F3" && !event.defaultPrevented && !document.querySelector("dialog[open]")) {
      event.preventDefault();
      pick();
    }
  });
  render();

  return {
    /** Fields of the sale request: document kind and customer (none = final consumer). */
    saleFields: () => ({ document_kind: state.kind, customer_id: state.customer?.id ?? null }),
    /** The server refused a factura for missing buyer data: complete it in the picker.
     * True when the customer is now complete (the sale can be sent again). */
    async completeForFactura(message) {
      await refresh();
      const c = state.customer;
      const done = await pick({ reason: message, forFactura: true, completing: lacksFacturaData(c) ? c : null });
      return Boolean(done) && !lacksFacturaData(state.customer);
    },
    /** After a recorded sale: back to a boleta for the final consumer. */
    reset: clearToFinal,
    /** The choice as it is now (kept with a parked ticket). */
    snapshot: () => ({ kind: state.kind, customer: state.customer }),
    /** A parked ticket resumed: its document kind and customer again (checked anew). */
    restore(saved) {
      if (!saved || (saved.kind !== "boleta" && saved.kind !== "factura")) return clearToFinal();
      state = { kind: saved.kind, customer: saved.customer && typeof saved.customer === "object" ? saved.customer : null };
      if (!state.customer) state.kind = "boleta";
      save();
      refresh();
    },
    /** Who pays into an account: the picker, without changing the ticket's customer. */
    pickForAccount: (reason) => pick({ reason, assign: false, forFactura: false }),
    /** The account changed (a payment): the bar shows the new debt if it is this customer. */
    accountChanged(changed) {
      if (state.customer?.id === changed.id) setCustomer(changed);
    },
    /** Payment dialog opened: add the "Fiado" method (only with a customer) and its credit. */
    decoratePay(payDialog) {
      const methods = payDialog.querySelector(".pay-methods");
      let button = methods.querySelector(`[data-method="${STORE_CREDIT}"]`);
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.dataset.method = STORE_CREDIT;
        const kbd = document.createElement("kbd");
        kbd.textContent = "F";
        button.append(kbd, fiadoLabel);
        const note = document.createElement("span");
        note.className = "muted";
        note.dataset.slot = "fiado-credit";
        methods.append(button, note);
      }
      const note = methods.querySelector('[data-slot="fiado-credit"]');
      const update = () => {
        const c = state.customer;
        button.disabled = !c;
        note.textContent = c ? TEXT.available(money(c.available_credit_clp)) : "";
      };
      update();
      refresh().then(update);
    },
    /** Whether ``method`` may be added now; explains why not through ``fail``. */
    acceptMethod(method, fail) {
      if (method !== STORE_CREDIT) return true;
      const c = state.customer;
      if (!c) return fail(TEXT.fiadoNeedsCustomer), false;
      if (c.available_credit_clp <= 0) return fail(TEXT.noCredit(c.name)), false;
      return true;
    },
  };
}
