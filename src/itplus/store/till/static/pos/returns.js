// A return at the till (F10 4, "Devolución"): type or scan the receipt's number, say how
// much of each line comes back (and whether it can be sold again), why, and where the
// money goes; a cashier gets a supervisor's "devolucion" PIN for that sale and amount.
// The server (POST /returns) checks everything again, under the sale's row lock, and
// answers the credit note, shown ready to print.
import * as N from "./numbers.js";
import * as T from "./ticket.js";

const TEXT = {
  title: "Devolución",
  sale: (doc, when, total) => `${doc} · ${when} · total ${total}`,
  paid: (parts) => `Pagada con ${parts}`,
  customer: (name) => `Cliente: ${name}`,
  voided: (doc) => `${doc} está anulada: no admite devoluciones.`,
  nothingLeft: (doc) => `${doc} ya fue devuelta completa: no queda nada por devolver.`,
  quantityLabel: (name) => `Cantidad a devolver de «${name}»`,
  damagedLabel: (name) => `«${name}» en mal estado (no vuelve a stock)`,
  needLines: "Escriba la cantidad a devolver de al menos un producto.",
  needReason: "Indique el motivo de la devolución.",
  needDocument: "Escriba o escanee el número de la boleta.",
  approval: (amount, doc) => `Devolver ${amount} de ${doc} requiere la autorización de un supervisor.`,
  done: (note, refunds) => `${note} emitida. ${refunds}`,
  refundLine: (method, amount) => `${method}: ${amount}`,
  giveBack: (parts) => `Devuelva al cliente: ${parts}.`,
  nothingToGive: "No hay dinero que devolver.",
  methods: {
    efectivo: "Efectivo",
    debito: "Débito",
    credito: "Crédito",
    transferencia: "Transferencia",
    cuenta_corriente: "Crédito en la cuenta del cliente",
  },
};

const when = (iso) =>
  new Date(iso).toLocaleString("es-CL", { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });

export function createReturns({ api, role, askApproval, showMessage, focusCode, loadReceipt }) {
  const dialog = document.getElementById("dlg-return");
  const slot = (name) => dialog.querySelector(`[data-slot="${name}"]`);
  const panel = (name) => dialog.querySelector(`[data-panel="${name}"]`);
  const panels = [...dialog.querySelectorAll("[data-panel]")];
  const again = dialog.querySelector("[data-again]");
  let sale = null;
  let clientUuid = null; // one per drawn sale: a resent return makes one credit note

  function fail(text) {
    const error = slot("error");
    error.textContent = text || "";
    error.hidden = !text;
  }

  function show(name) {
    panels.forEach((p) => (p.hidden = p.dataset.panel !== name));
    again.hidden = name !== "done";
    fail("");
    if (!dialog.open) dialog.showModal();
  }

  function start() {
    sale = null;
    panel("find").reset();
    show("find");
    dialog.querySelector("#return-document").focus();
  }

  // ------------------------------------------------------------ the sale's lines

  function rowsOf() {
    return [...slot("rows").querySelectorAll("tr[data-line]")];
  }

  /** The typed quantities → {lines, amount} or {error}. */
  function picked() {
    const lines = [];
    let amount = 0;
    for (const tr of rowsOf()) {
      const line = sale.lines[Number(tr.dataset.line)];
      const input = tr.querySelector("input[type=text]");
      if (!input || !input.value.trim()) continue;
      const q = N.parseQuantity(input.value, { weighed: line.weighed, field: TEXT.quantityLabel(line.description) });
      if (q.error) return { error: q.message, input };
      if (Number(q.value) === 0) continue;
      lines.push({ sale_line_id: line.sale_line_id, quantity: q.value, restock: !tr.querySelector("input[type=checkbox]").checked });
      amount += T.returnLineAmount(line, q.value);
    }
    return { lines, amount };
  }

  function updateAmount() {
    const p = picked();
    slot("amount").textContent = T.formatCLP(p.error ? 0 : p.amount);
    fail(p.error || "");
  }

  function drawSale(data) {
    sale = data;
    clientUuid = T.uuid4();
    const paid = data.payments.map((p) => `${TEXT.methods[p.method] || p.method} ${T.formatCLP(p.amount_clp)}`).join(", ");
    const head = document.createElement("strong");
    head.textContent = TEXT.sale(data.document, when(data.issued_at), T.formatCLP(data.total_clp));
    const bits = [paid && TEXT.paid(paid), data.customer && TEXT.customer(data.customer)].filter(Boolean);
    slot("sale").replaceChildren(head, ...(bits.length ? [document.createElement("br"), bits.join(" · ")] : []));
    slot("rows").replaceChildren(
      ...data.lines.map((line, i) => {
        const tr = document.createElement("tr");
        tr.dataset.line = String(i);
        const cell = (text, cls) => {
          const td = document.createElement("td");
          if (cls) td.className = cls;
          td.textContent = text;
          return td;
        };
        const left = Number(line.quantity_left);
        const qty = (q) => (line.weighed ? `${N.formatQuantity(q)} kg` : N.formatQuantity(q));
        const input = document.createElement("input");
        input.type = "text";
        input.inputMode = line.weighed ? "decimal" : "numeric";
        input.autocomplete = "off";
        input.placeholder = "0";
        input.setAttribute("aria-label", TEXT.quantityLabel(line.description));
        input.addEventListener("input", updateAmount);
        const damaged = document.createElement("input");
        damaged.type = "checkbox";
        damaged.setAttribute("aria-label", TEXT.damagedLabel(line.description));
        const take = cell("", "num");
        const broken = cell("");
        if (left > 0 && !line.is_voided) {
          take.append(input);
          broken.append(damaged);
        } else {
          tr.className = line.is_voided ? "voided" : "";
        }
        tr.append(
          cell(String(line.position), "num"),
          cell(line.description, "name"),
          cell(qty(line.quantity_sold), "num"),
          cell(qty(line.quantity_left), "num"),
          cell(T.formatCLP(line.total_clp), "num"),
          take,
          broken,
        );
        return tr;
      }),
    );
    const form = panel("lines");
    form.elements.reason.value = "";
    form.elements.refund_to.value = "original";
    slot("store-credit").hidden = slot("store-credit").disabled = !data.store_credit_allowed;
    show("lines");
    slot("amount").textContent = T.formatCLP(0);
    if (data.status === "anulada") return fail(TEXT.voided(data.document));
    if (!data.lines.some((l) => Number(l.quantity_left) > 0)) return fail(TEXT.nothingLeft(data.document));
    form.querySelector("tbody input[type=text]")?.focus();
  }

  // ------------------------------------------------------------ the forms

  async function submitFind(form) {
    const text = form.elements.document.value.trim();
    if (!text) return fail(TEXT.needDocument);
    try {
      drawSale((await api.request("GET", `/returns/find?document=${encodeURIComponent(text)}`)).data);
    } catch (error) {
      fail(error.message);
      form.elements.document.select();
    }
  }

  async function submitReturn(form) {
    const p = picked();
    if (p.error) {
      p.input.focus();
      return fail(p.error);
    }
    if (!p.lines.length) return fail(TEXT.needLines);
    const reason = form.elements.reason.value.trim();
    if (!reason) {
      form.elements.reason.focus();
      return fail(TEXT.needReason);
    }
    let approvalId = null;
    if (role === "cajero") {
      const approval = await askApproval({
        action: "devolucion",
        reason: TEXT.approval(T.formatCLP(p.amount), sale.document),
        saleId: sale.sale_id,
        amountClp: p.amount || null,
        detail: `${sale.document}: ${reason}`,
      });
      if (!approval) return;
      approvalId = approval.id;
    }
    let note;
    try {
      note = (
        await api.request("POST", "/returns", {
          client_uuid: clientUuid,
          sale_id: sale.sale_id,
          lines: p.lines,
          reason,
          refund_to: form.elements.refund_to.value,
          approval_id: approvalId,
        })
      ).data;
    } catch (error) {
      // Refused: nothing was written; the form stays as typed. A lost connection may
      // have made the note: sending again with the same UUID answers the same note.
      return fail(error.message);
    }
    showDone(note);
  }

  function showDone(note) {
    const parts = note.refunds.map((r) => TEXT.refundLine(TEXT.methods[r.method] || r.method, T.formatCLP(r.amount_clp)));
    const refunds = parts.length ? TEXT.giveBack(parts.join(", ")) : TEXT.nothingToGive;
    slot("done").textContent = TEXT.done(`Nota de crédito ${note.series} N° ${note.number}`, refunds);
    show("done");
    showMessage(slot("done").textContent, "ok");
    const frame = slot("frame");
    frame.hidden = false;
    loadReceipt(frame, note.receipt_url).catch(() => (frame.hidden = true));
    dialog.querySelector("[data-print]").focus();
  }

  // ------------------------------------------------------------ wiring

  const handlers = { find: submitFind, lines: submitReturn };
  dialog.querySelectorAll("form[data-panel]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const buttons = form.querySelectorAll("button[type=submit]");
      buttons.forEach((b) => (b.disabled = true));
      try {
        await handlers[form.dataset.panel](form);
      } finally {
        buttons.forEach((b) => (b.disabled = false));
      }
    });
  });
  slot("rows").addEventListener("change", updateAmount);
  dialog.addEventListener("click", (event) => {
    if (event.target.closest("[data-close]")) dialog.close();
    else if (event.target.closest("[data-again]")) start();
    else if (event.target.closest("[data-print]")) slot("frame").contentWindow?.print();
  });
  dialog.addEventListener("close", () => {
    slot("frame").removeAttribute("srcdoc");
    setTimeout(() => focusCode?.(), 0);
  });

  return {
    /** F10 4 or the toolbar: a new return. */
    open: start,
  };
}
