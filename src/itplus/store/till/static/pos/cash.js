// The till's cash drawer (F10 "Caja"): open with a float (a cashier needs a supervisor's
// PIN), ingreso/egreso with a reason, X report (supervisors only: the close is blind),
// and the blind count by denomination that closes the session and shows the printable Z;
// returns (4) and account payments (5) open their own screens from the menu.
// While the session is closed a bar says so and offers to open it.
import { MSG } from "./messages.js";
import * as N from "./numbers.js";

const TEXT = {
  title: "Caja",
  closedBar: "La caja está cerrada: ábrala para vender.",
  openTitle: "Abrir caja",
  moveTitle: "Ingreso o egreso de efectivo",
  closeTitle: "Cerrar caja (conteo a ciegas)",
  xTitle: "Informe X (no fiscal)",
  zTitle: (n) => `Informe Z N° ${n}`,
  opened: (amount) => `Caja abierta con un fondo de ${amount}.`,
  moved: (kind, amount) => `${kind === "ingreso" ? "Ingreso" : "Egreso"} de ${amount} registrado.`,
  approvalOpen: "Abrir la caja requiere la autorización de un supervisor.",
  approvalOut: (amount) => `Sacar ${amount} de la caja requiere la autorización de un supervisor.`,
  needReason: "Indique el motivo (por ejemplo, «Pago a proveedor»).",
  xOnlySupervisor: "El informe X lo emite un supervisor: el cierre de caja es a ciegas.",
  closed: (n, label, amount) => `Caja cerrada: informe Z N° ${n}. ${label}: ${amount}.`,
  over: "Sobrante",
  short: "Faltante",
  even: "Sin diferencia",
};

const money = (amount) => `${amount < 0 ? "-" : ""}$${String(Math.abs(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;
const signed = (amount) => (amount > 0 ? "+" : "") + money(amount);

export function createCashMenu({ api, role, showMessage, askApproval, focusCode, screens = {} }) {
  const bar = document.getElementById("cash-bar");
  const dialog = document.getElementById("dlg-cash");
  const slot = (name) => dialog.querySelector(`[data-slot="${name}"]`);
  const panels = [...dialog.querySelectorAll("[data-panel]")];
  const isSupervisor = role === "supervisor" || role === "administrador";
  let status = null;

  const request = async (method, path, body) => (await api.request(method, path, body)).data;

  async function refresh() {
    try {
      status = await request("GET", "/cash/session");
    } catch {
      return null; // the bar keeps its last state; a sale still gets the server's answer
    }
    bar.hidden = status.is_open;
    return status;
  }

  function fail(text) {
    const error = slot("error");
    error.textContent = text || "";
    error.hidden = !text;
  }

  function show(name, title) {
    panels.forEach((p) => (p.hidden = p.dataset.panel !== name));
    slot("title").textContent = title;
    fail("");
    if (!dialog.open) dialog.showModal();
    const panel = dialog.querySelector(`[data-panel="${name}"]`);
    (panel.querySelector("input, select, button") || panel).focus?.();
  }

  function showReport(url, title) {
    const frame = slot("frame");
    frame.src = url;
    show("report", title);
    dialog.querySelector('[data-panel="report"] [data-print]').focus();
  }

  // ------------------------------------------------------------ the forms

  async function submitOpen(form) {
    const typed = N.parseAmountClp(form.elements.float.value || "0", { field: "Fondo inicial" });
    if (typed.error) return fail(typed.message);
    const amount = typed.value;
    let approvalId = null;
    if (!status?.can_open) {
      dialog.close();
      const approval = await askApproval({ action: "abrir_caja", reason: TEXT.approvalOpen, detail: `Fondo ${money(amount)}` });
      if (!approval) return;
      approvalId = approval.id;
    }
    try {
      await request("POST", "/cash/session/open", { opening_float_clp: amount, approval_id: approvalId });
    } catch (error) {
      if (!dialog.open) show("open", TEXT.openTitle);
      return fail(error.message);
    }
    if (dialog.open) dialog.close();
    await refresh();
    showMessage(TEXT.opened(money(amount)), "ok");
  }

  async function submitMove(form) {
    const typed = N.parseAmountClp(form.elements.amount.value, { field: "Monto", positive: true });
    if (typed.error) return fail(typed.message);
    const amount = typed.value;
    const reason = form.elements.reason.value.trim();
    if (!reason) return fail(TEXT.needReason);
    const kind = form.elements.kind.value;
    let approvalId = null;
    if (kind === "egreso" && !isSupervisor) {
      dialog.close();
      const approval = await askApproval({ action: "egreso_caja", reason: TEXT.approvalOut(money(amount)), amountClp: amount, detail: reason });
      if (!approval) return;
      approvalId = approval.id;
    }
    try {
      await request("POST", "/cash/movements", { kind, amount_clp: amount, reason, approval_id: approvalId });
    } catch (error) {
      if (!dialog.open) show("move", TEXT.moveTitle);
      return fail(error.message);
    }
    dialog.close();
    showMessage(TEXT.moved(kind, money(amount)), "ok");
  }

  function countInputs() {
    return [...slot("counts").querySelectorAll("input")];
  }

  function drawCounts() {
    const box = slot("counts");
    box.replaceChildren(
      ...status.denominations.map((value) => {
        const label = document.createElement("label");
        const span = document.createElement("span");
        span.textContent = money(value);
        const input = document.createElement("input");
        input.inputMode = "numeric";
        input.autocomplete = "off";
        input.dataset.value = String(value);
        input.setAttribute("aria-label", `Cantidad de ${money(value)}`);
        input.addEventListener("input", updateCounted);
        label.append(span, input);
        return label;
      }),
    );
    updateCounted();
  }

  function updateCounted() {
    // The sum of what was counted (not what is expected): the close stays blind.
    const total = countInputs().reduce((sum, input) => sum + (N.parseCount(input.value).value ?? 0) * Number(input.dataset.value), 0);
    slot("counted").textContent = money(total);
  }

  async function submitClose() {
    const counts = {};
    for (const input of countInputs()) {
      const raw = input.value.trim();
      const pieces = raw === "" ? { value: 0 } : N.parseCount(raw, { field: input.getAttribute("aria-label") });
      if (pieces.error) {
        input.focus();
        return fail(pieces.message);
      }
      counts[input.dataset.value] = pieces.value;
    }
    let z;
    try {
      z = await request("POST", "/cash/session/close", { counts });
    } catch (error) {
      return fail(error.message);
    }
    await refresh();
    const label = z.difference_clp > 0 ? TEXT.over : z.difference_clp < 0 ? TEXT.short : TEXT.even;
    showMessage(TEXT.closed(z.number, label, signed(z.difference_clp)), "ok");
    showReport(z.report_url, TEXT.zTitle(z.number));
  }

  async function go(what) {
    if (screens[what]) {
      // A return or an account payment: their own screen, from this menu.
      dialog.close();
      return screens[what]();
    }
    if (what === "move") {
      dialog.querySelector('[data-panel="move"]').reset();
      return show("move", TEXT.moveTitle);
    }
    if (what === "close") {
      drawCounts();
      return show("close", TEXT.closeTitle);
    }
    if (what === "x") {
      if (!isSupervisor) return fail(TEXT.xOnlySupervisor);
      return showReport(`/gestion/caja/sesiones/${status.session.id}/informe/`, TEXT.xTitle);
    }
  }

  // ------------------------------------------------------------ wiring

  const handlers = { open: submitOpen, move: submitMove, close: submitClose };
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
  dialog.addEventListener("click", (event) => {
    const target = event.target.closest("[data-go], [data-close], [data-print]");
    if (!target) return;
    if (target.dataset.go) go(target.dataset.go);
    else if (target.hasAttribute("data-print")) slot("frame").contentWindow?.print();
    else dialog.close();
  });
  dialog.addEventListener("keydown", (event) => {
    const menu = dialog.querySelector('[data-panel="menu"]');
    const choice = { 1: "move", 2: "x", 3: "close", 4: "return", 5: "account" }[event.key];
    if (!menu.hidden && choice) {
      event.preventDefault();
      go(choice);
    }
  });
  dialog.addEventListener("close", () => {
    slot("frame").removeAttribute("src");
    setTimeout(() => focusCode?.(), 0);
  });

  refresh();

  return {
    /** F10: the cash menu (or the opening form while closed). */
    async open() {
      await refresh();
      if (!status) return showMessage(MSG.network);
      if (!status.is_open) {
        dialog.querySelector('[data-panel="open"]').reset();
        return show("open", TEXT.openTitle);
      }
      show("menu", `${TEXT.title} · ${status.terminal}`);
    },
    /** A sale was refused because the session is closed: show the bar again. */
    refresh,
  };
}
