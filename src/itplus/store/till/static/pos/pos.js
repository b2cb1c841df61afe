// The till: keyboard-first, made for a barcode scanner (a scan is fast keystrokes + Enter
// into the always-focused code input). The ticket lives in localStorage so neither an
// error nor a reload loses it; the server recomputes and validates every sale.
import { ApiError, NetworkError, createApi } from "./api.js";
import { MSG } from "./messages.js";
import * as T from "./ticket.js";
import * as N from "./numbers.js";
import { createCustomerPicker } from "./customer.js";
import { createCashMenu } from "./cash.js";
import { createReturns } from "./returns.js";
import { createAccountPayment } from "./account.js";
import { createOffline, isoWithOffset } from "./offline.js";

const root = document.getElementById("till");
const cfg = {
  token: root.dataset.token,
  terminal: root.dataset.terminal,
  role: root.dataset.role,
  limit: Number(root.dataset.limit || 0),
  pairUrl: root.dataset.pairUrl,
  userId: Number(root.dataset.userId) || null,
  swUrl: root.dataset.swUrl,
};
const api = createApi(cfg.token, { onReach: (answered) => reached(answered) });
const offline = createOffline({ api, terminal: cfg.terminal, onChange: () => updateOfflineBar() });
const KEEP_OPEN = Symbol("keep-open");
const customer = createCustomerPicker({ api, terminal: cfg.terminal, showMessage });
const returns = createReturns({ api, role: cfg.role, askApproval, showMessage, focusCode, loadReceipt });
const account = createAccountPayment({ api, customer, runDialog, dialogError, keepOpen: KEEP_OPEN, showMessage });
const cash = createCashMenu({
  api,
  role: cfg.role,
  showMessage,
  askApproval,
  focusCode,
  screens: { return: () => returns.open(), account: () => account.open() },
});
const STORAGE_KEY = `itplus.ticket.${cfg.terminal}`;

const $ = (id) => document.getElementById(id);
const el = {
  form: $("scan-form"),
  code: $("code"),
  results: $("results"),
  message: $("message"),
  lines: $("lines"),
  empty: $("empty"),
  total: $("t-total"),
  items: $("t-items"),
  gross: $("t-gross"),
  discounts: $("t-discounts"),
  ticketDiscount: $("t-ticket-discount"),
  ticketDiscountLabel: $("t-ticket-discount-label"),
  cash: $("t-cash"),
  rounding: $("t-rounding"),
  prompt: $("dlg-prompt"),
  pin: $("dlg-pin"),
  parked: $("dlg-parked"),
  confirm: $("dlg-confirm"),
  pay: $("dlg-pay"),
  receipt: $("dlg-receipt"),
};
const slot = (dialog, name) => dialog.querySelector(`[data-slot="${name}"]`);

// ---------------------------------------------------------------- ticket state

function newTicket() {
  return { uuid: T.uuid4(), lines: [], ticketDiscount: null, unconfirmed: null, selected: -1 };
}

function loadTicket() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY));
    if (saved && typeof saved.uuid === "string" && Array.isArray(saved.lines)) return saved;
  } catch {
    /* a corrupt entry is replaced by a fresh ticket */
  }
  return newTicket();
}

let ticket = loadTicket();

function save() {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(ticket));
}

function commit() {
  save();
  render();
}

const selectedLine = () => ticket.lines[ticket.selected];

/** After a network failure the sale may exist on the server: the ticket is frozen until a retry answers. */
function assertEditable() {
  if (ticket.unconfirmed) {
    showMessage("Hay un cobro sin confirmar por falta de conexión: presione Cobrar (F12) para reintentarlo.");
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- rendering

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function render() {
  const rows = ticket.lines.map((line, index) => {
    const tr = document.createElement("tr");
    tr.dataset.index = index;
    tr.className = [line.isVoided && "voided", index === ticket.selected && "selected"].filter(Boolean).join(" ");
    const name = document.createElement("td");
    name.className = "name";
    const title = document.createElement("span");
    title.textContent = line.name;
    name.append(title);
    const meta = document.createElement("small");
    const bits = [line.code || line.sku];
    if (line.embeddedPriceClp != null || line.embeddedWeight) bits.push(MSG.scale);
    if (line.isVoided) bits.push(MSG.voided);
    meta.textContent = bits.join(" · ");
    name.append(meta);
    const discount = T.lineDiscount(line);
    const price = line.embeddedPriceClp != null ? line.embeddedPriceClp : line.priceClp;
    tr.append(
      cell(String(index + 1), "num"),
      name,
      cell(line.embeddedPriceClp != null ? "1" : T.formatQuantity(line.quantity, line.isWeighed), "num"),
      cell(T.formatCLP(price) + (line.isWeighed && line.embeddedPriceClp == null ? MSG.perKg : ""), "num"),
      cell(discount ? `-${T.formatCLP(discount)}${line.discount?.percent != null ? ` (${line.discount.percent}%)` : ""}` : "", "num discount"),
      cell(T.formatCLP(line.isVoided ? 0 : T.lineTotal(line)), "num total"),
    );
    return tr;
  });
  el.lines.replaceChildren(...rows);
  el.empty.hidden = ticket.lines.length > 0;
  el.lines.querySelector("tr.selected")?.scrollIntoView({ block: "nearest" });

  const t = T.ticketTotals(ticket);
  el.total.textContent = T.formatCLP(t.total);
  el.items.textContent = String(t.items);
  el.gross.textContent = T.formatCLP(t.gross);
  el.discounts.textContent = t.discounts ? `-${T.formatCLP(t.discounts)}` : T.formatCLP(0);
  el.cash.textContent = T.formatCLP(t.cashTotal);
  const percent = ticket.ticketDiscount?.percent;
  el.ticketDiscount.textContent = `-${T.formatCLP(t.ticketDiscount)}${percent != null ? ` (${percent}%)` : ""}`;
  el.ticketDiscount.hidden = el.ticketDiscountLabel.hidden = !t.ticketDiscount;
  el.rounding.hidden = t.rounding === 0;
  el.rounding.textContent = `${MSG.payRounding} Ley 20.956: ${t.rounding > 0 ? "+" : ""}${T.formatCLP(t.rounding)}`;
}

let messageTimer;
function showMessage(text, kind = "error", { link, persist = false } = {}) {
  clearTimeout(messageTimer);
  el.message.className = `message ${kind}`;
  el.message.textContent = text;
  if (link) {
    const a = document.createElement("a");
    a.href = link.href;
    a.textContent = link.text;
    el.message.append(" ", a);
  }
  el.message.hidden = false;
  if (kind === "error") beep();
  else if (!persist) messageTimer = setTimeout(clearMessage, 4000);
}

function clearMessage() {
  el.message.hidden = true;
  el.message.textContent = "";
}

function showError(error) {
  if (error instanceof ApiError && error.status === 401 && error.code === "no_autorizado") {
    showMessage(`${error.message} ${MSG.unpaired}`, "error", { link: { href: cfg.pairUrl, text: MSG.pairLink } });
  } else if (error instanceof ApiError || error instanceof NetworkError) {
    showMessage(error.message);
  } else {
    console.error(error);
    showMessage(MSG.serverError("JS"));
  }
}

let audio;
function beep() {
  try {
    audio ||= new AudioContext();
    const osc = audio.createOscillator();
    osc.frequency.value = 220;
    osc.connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.15);
  } catch {
    /* no sound available */
  }
}

function focusCode(select = false) {
  if (document.querySelector("dialog[open]")) return;
  el.code.focus();
  if (select) el.code.select();
}

// ---------------------------------------------------------------- dialogs

/**
 * Open a modal dialog; resolves with what onSubmit returns, or null when cancelled.
 * onSubmit may return KEEP_OPEN (e.g. after showing a validation error).
 */
function runDialog(dialog, { onOpen, onSubmit, onKey } = {}) {
  closeResults();
  const form = dialog.querySelector("form");
  const error = slot(dialog, "error");
  if (error) error.hidden = true;
  return new Promise((resolve) => {
    let done = false;
    let pending = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      form.removeEventListener("submit", submit);
      dialog.removeEventListener("close", cancel);
      dialog.removeEventListener("click", click);
      dialog.removeEventListener("keydown", key);
      if (dialog.open) dialog.close();
      resolve(value);
      setTimeout(() => focusCode(), 0);
    };
    const submit = async (event) => {
      event.preventDefault();
      if (pending) return;
      pending = true;
      form.querySelectorAll("button[type=submit]").forEach((b) => (b.disabled = true));
      try {
        const value = onSubmit ? await onSubmit() : true;
        if (value !== KEEP_OPEN) finish(value);
      } finally {
        pending = false;
        form.querySelectorAll("button[type=submit]").forEach((b) => (b.disabled = false));
      }
    };
    const cancel = () => finish(null);
    const click = (event) => {
      if (event.target.closest("[data-close]")) finish(null);
    };
    const key = (event) => onKey?.(event);
    form.addEventListener("submit", submit);
    dialog.addEventListener("close", cancel);
    dialog.addEventListener("click", click);
    dialog.addEventListener("keydown", key);
    dialog.showModal();
    onOpen?.();
  });
}

function dialogError(dialog, text) {
  const error = slot(dialog, "error");
  error.textContent = text;
  error.hidden = !text;
  if (text) beep();
}

/** One-field prompt; ``parse`` returns {value} or {error}. */
function ask({ title, label, hint = "", value = "", inputmode = "decimal", parse }) {
  const dialog = el.prompt;
  const input = dialog.querySelector("input");
  slot(dialog, "title").textContent = title;
  slot(dialog, "label").textContent = label;
  slot(dialog, "hint").textContent = hint;
  input.value = value;
  input.inputMode = inputmode;
  return runDialog(dialog, {
    onOpen: () => input.select(),
    onSubmit: () => {
      const result = parse(input.value);
      if (result.error) {
        dialogError(dialog, result.error);
        input.select();
        return KEEP_OPEN;
      }
      return result;
    },
  });
}

/** A yes/no question; resolves true when confirmed. */
async function confirmDialog({ title, text }) {
  const dialog = el.confirm;
  slot(dialog, "title").textContent = title;
  slot(dialog, "text").textContent = text;
  return Boolean(await runDialog(dialog, { onOpen: () => dialog.querySelector("button[type=submit]").focus() }));
}

/** A supervisor's PIN for ``action``; resolves with the approval, or null if cancelled. */
function askApproval({ action, reason, maxPercent = null, amountClp = null, saleId = null, detail = "" }) {
  if (offlineMode) {
    showMessage(MSG.offlineNeedsServer(MSG.needsServer.approval));
    return Promise.resolve(null);
  }
  const dialog = el.pin;
  const input = dialog.querySelector("input");
  slot(dialog, "reason").textContent = reason;
  input.value = "";
  return runDialog(dialog, {
    onOpen: () => input.focus(),
    onSubmit: async () => {
      if (!input.value.trim()) {
        dialogError(dialog, MSG.pinRequired);
        return KEEP_OPEN;
      }
      try {
        const { data } = await api.approve(input.value.trim(), { action, maxPercent, amountClp, saleId, detail });
        return data;
      } catch (error) {
        dialogError(dialog, error.message);
        input.value = "";
        input.focus();
        return KEEP_OPEN;
      }
    },
  });
}

// ---------------------------------------------------------------- adding products

let scanQueue = Promise.resolve();

function enqueue(task) {
  scanQueue = scanQueue.then(task).catch(showError);
  return scanQueue;
}

function lineFromProduct(product, { code = "", quantity, embeddedPriceClp = null, embeddedWeight = false, scaleLabel = null }) {
  return {
    productId: product.id,
    name: product.name,
    sku: product.sku,
    priceClp: product.price_clp,
    isWeighed: product.is_weighed,
    code,
    quantity,
    embeddedPriceClp,
    embeddedWeight,
    discount: null,
    discountApprovalId: null,
    isVoided: false,
    voidApprovalId: null,
    scaleLabel, // the server's judgement of a deli-scale label: {total_clp, plausible, problem}
    scaleApprovalId: null,
  };
}

/**
 * A cashier needs a supervisor for a deli-scale label outside the plausible weight range
 * (the server says so in the lookup, and refuses the sale without it). Resolves true when
 * the line may be sold (approved, or nothing to approve), false when cancelled.
 */
async function approveScaleLabel(line) {
  if (!line.scaleLabel || line.scaleLabel.plausible || line.scaleApprovalId != null) return true;
  if (cfg.role !== "cajero") return true; // a supervisor at the till is the approver
  const approval = await askApproval({
    action: "etiqueta_balanza",
    reason: line.scaleLabel.problem,
    amountClp: line.scaleLabel.total_clp,
    detail: `${line.name}: ${line.code}`,
  });
  if (!approval) return false;
  line.scaleApprovalId = approval.id;
  showMessage(MSG.approvedBy(approval.approved_by), "ok");
  return true;
}

async function askWeight(product, initial = "") {
  const answer = await ask({
    title: MSG.weightTitle,
    label: MSG.weightLabel(product.name),
    hint: MSG.weightHint,
    value: initial,
    parse: (text) => {
      const q = N.parseWeightKg(text, { field: MSG.weightLabel(product.name), positive: true });
      return q.error ? { error: q.message } : { value: q.value };
    },
  });
  return answer?.value ?? null;
}

/** Add a product to the ticket; a unit product already on it gets its quantity increased. */
async function addProduct(product, { code = "", quantity = null, embeddedPriceClp = null, embeddedWeightKg = null, scaleLabel = null }) {
  let line;
  if (embeddedPriceClp != null) {
    line = lineFromProduct(product, { code, quantity: "1", embeddedPriceClp, scaleLabel });
  } else if (embeddedWeightKg != null) {
    const weight = N.parseWeightKg(embeddedWeightKg);
    if (weight.error) return showMessage(weight.message);
    line = lineFromProduct(product, { code, quantity: weight.value, embeddedWeight: true, scaleLabel });
  } else if (product.is_weighed) {
    let weight = null;
    if (quantity) {
      const typed = N.parseWeightKg(quantity, { field: MSG.weightLabel(product.name), positive: true });
      if (typed.error) return showMessage(typed.message);
      weight = typed.value;
    } else {
      weight = await askWeight(product);
    }
    if (!weight) return;
    line = lineFromProduct(product, { code, quantity: weight });
  } else {
    const field = MSG.quantityLabel(product.name);
    const typed = N.parseQuantity(quantity ?? "1", { weighed: false, field, positive: true });
    if (typed.error) return showMessage(typed.message);
    const units = typed.value;
    const index = ticket.lines.findIndex(
      (l) => l.productId === product.id && !l.isVoided && !l.isWeighed && l.embeddedPriceClp == null,
    );
    if (index >= 0) {
      const existing = ticket.lines[index];
      // The line's new total meets the same limit as a quantity typed at once.
      const sum = N.parseQuantity(String(BigInt(existing.quantity) + BigInt(units)), { weighed: false, field });
      if (sum.error) return showMessage(sum.message);
      existing.quantity = sum.value;
      ticket.selected = index;
      clearMessage();
      return commit();
    }
    line = lineFromProduct(product, { code, quantity: units });
  }
  if (!(await approveScaleLabel(line))) return showMessage(MSG.scaleLabelNotApproved);
  ticket.lines.push(line);
  ticket.selected = ticket.lines.length - 1;
  if (line.scaleApprovalId == null) clearMessage();
  commit();
}

async function handleCode(raw) {
  const { quantity, code } = T.parseScanInput(raw);
  if (!code) return;
  if (offlineMode) return handleCodeOffline(raw, code, quantity);
  try {
    const { data } = await api.lookup(code);
    await addProduct(data.product, {
      code: data.code,
      quantity,
      embeddedPriceClp: data.embedded_price_clp,
      embeddedWeightKg: data.embedded_weight_kg,
      scaleLabel: data.scale_label,
    });
  } catch (error) {
    if (error instanceof NetworkError) return handleCodeOffline(raw, code, quantity);
    if (error instanceof ApiError && error.status === 404 && /\D/.test(code)) {
      // Not a code: the cashier typed a name. Offer what the search finds.
      const { data } = await api.search(code);
      if (data.length === 1) return addProduct(data[0], { quantity });
      if (data.length > 1) {
        el.code.value = raw;
        showResults(raw, data, 0);
        return;
      }
    }
    el.code.value = "";
    showError(error);
  }
}

/** The server does not answer: the code in the catalogue kept in IndexedDB. */
async function handleCodeOffline(raw, code, quantity) {
  if (!(await offline.hasCatalog())) {
    el.code.value = "";
    return showMessage(MSG.offlineNoCatalog);
  }
  const found = await offline.lookup(code);
  if (found) return addProduct(found.product, { code: found.code, quantity });
  if (/\D/.test(code)) {
    const data = await offline.search(code);
    if (data.length === 1) return addProduct(data[0], { quantity });
    if (data.length > 1) {
      el.code.value = raw;
      showResults(raw, data, 0);
      return;
    }
  }
  el.code.value = "";
  showMessage(MSG.offlineNotFound(code));
}

// ---------------------------------------------------------------- search as you type

const search = { timer: null, seq: 0, query: "", items: [], index: -1 };

function closeResults() {
  clearTimeout(search.timer);
  search.seq += 1;
  search.items = [];
  search.index = -1;
  search.query = "";
  el.results.hidden = true;
  el.results.replaceChildren();
  el.code.setAttribute("aria-expanded", "false");
}

function showResults(query, items, index = -1) {
  search.query = query;
  search.items = items;
  search.index = index;
  if (!items.length) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = MSG.noResults;
    el.results.replaceChildren(li);
  } else {
    el.results.replaceChildren(
      ...items.map((p, i) => {
        const li = document.createElement("li");
        li.role = "option";
        li.dataset.index = i;
        li.setAttribute("aria-selected", String(i === index));
        const name = document.createElement("span");
        name.textContent = p.name;
        const sku = document.createElement("small");
        sku.textContent = p.sku;
        const price = document.createElement("strong");
        price.textContent = T.formatCLP(p.price_clp) + (p.is_weighed ? MSG.perKg : "");
        li.append(name, sku, price);
        return li;
      }),
    );
  }
  el.results.hidden = false;
  el.code.setAttribute("aria-expanded", "true");
  el.results.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
}

function scheduleSearch() {
  clearTimeout(search.timer);
  const raw = el.code.value;
  const { code } = T.parseScanInput(raw);
  const digitsOnly = /^\d+$/.test(code);
  // A scanner types a whole code in a few milliseconds: wait longer on digits so a scan
  // never triggers a search, and search names after a short pause.
  if (code.length < 2 || (digitsOnly && code.length < 4)) return closeResults();
  const seq = ++search.seq;
  search.timer = setTimeout(async () => {
    try {
      let data;
      try {
        data = offlineMode ? await offline.search(code) : (await api.search(code)).data;
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        data = await offline.search(code);
      }
      if (seq === search.seq && el.code.value === raw) showResults(raw, data, -1);
    } catch (error) {
      if (seq === search.seq) showError(error);
    }
  }, digitsOnly ? 450 : 180);
}

function moveResult(step) {
  if (!search.items.length) return;
  const n = search.items.length;
  const index = search.index < 0 ? (step > 0 ? 0 : n - 1) : (search.index + step + n) % n;
  showResults(search.query, search.items, index);
}

function pickResult(index) {
  const product = search.items[index];
  const { quantity } = T.parseScanInput(search.query);
  closeResults();
  el.code.value = "";
  if (product) enqueue(() => addProduct(product, { quantity }));
}

// ---------------------------------------------------------------- line actions

function requireLine() {
  const line = selectedLine();
  if (!ticket.lines.length) showMessage(MSG.emptyTicket);
  else if (!line) showMessage(MSG.noLineSelected);
  else if (line.isVoided) showMessage(MSG.lineVoided);
  else return line;
  return null;
}

async function changeQuantity() {
  if (!assertEditable()) return;
  const line = requireLine();
  if (!line) return;
  if (line.embeddedPriceClp != null || line.embeddedWeight) return showMessage(MSG.scaleFixed);
  const answer = await ask({
    title: MSG.quantityTitle,
    label: line.isWeighed ? MSG.weightLabel(line.name) : MSG.quantityLabel(line.name),
    hint: line.isWeighed ? MSG.weightHint : "",
    value: N.formatQuantity(line.quantity),
    inputmode: line.isWeighed ? "decimal" : "numeric",
    parse: (text) => {
      const field = line.isWeighed ? MSG.weightLabel(line.name) : MSG.quantityLabel(line.name);
      const q = N.parseQuantity(text, { weighed: line.isWeighed, field, positive: true });
      return q.error ? { error: q.message } : { value: q.value };
    },
  });
  if (!answer) return;
  // Lowering what was scanned takes goods off the ticket, like a void: a cashier needs a
  // supervisor. The sale reports the largest quantity the line had.
  const before = line.quantity;
  if (!line.isWeighed && Number(answer.value) < Number(before) && cfg.role === "cajero") {
    const approval = await askApproval({
      action: "bajar_cantidad",
      reason: MSG.approvalLower(line.name),
      detail: `${line.name}: ${before} → ${answer.value}`,
    });
    if (!approval) return;
    line.scannedQuantity = String(Math.max(Number(before), Number(line.scannedQuantity ?? 0)));
    line.quantityApprovalId = approval.id;
  }
  line.quantity = answer.value;
  commit();
}

/** Ask for a discount over ``base`` pesos; get a supervisor's approval when over the limit. */
async function askDiscount({ title, base, current }) {
  const answer = await ask({
    title,
    label: MSG.discountLabel(T.formatCLP(base)),
    hint: MSG.discountLimit(cfg.limit),
    value: current ? (current.percent != null ? `${current.percent}%` : String(current.clp)) : "",
    parse: (text) => {
      const d = T.parseDiscount(text);
      if (!d) return { error: MSG.badDiscount };
      const amount = d.percent != null ? T.percentAmount(base, d.percent) : d.clp;
      if (amount > base) return { error: MSG.discountTooBig };
      return { value: { ...d, clp: amount } };
    },
  });
  if (!answer) return undefined;
  const discount = answer.value;
  if (!discount.clp) return { discount: null, approvalId: null };
  // A percent discount may be re-applied to a new quantity: approve the typed percent.
  const needed = Math.max(T.percentOf(discount.clp, base), discount.percent ?? 0);
  if (needed <= cfg.limit) return { discount, approvalId: null };
  const approval = await askApproval({
    action: "descuento",
    reason: MSG.approvalDiscount(needed),
    maxPercent: needed,
    detail: `${title}: ${T.formatCLP(discount.clp)}`,
  });
  if (!approval) return undefined;
  showMessage(MSG.approvedBy(approval.approved_by), "ok");
  return { discount, approvalId: approval.id };
}

async function discountLine() {
  if (!assertEditable()) return;
  const line = requireLine();
  if (!line) return;
  const result = await askDiscount({ title: MSG.lineDiscountTitle, base: T.lineGross(line), current: line.discount });
  if (!result) return;
  line.discount = result.discount;
  line.discountApprovalId = result.approvalId;
  if (!result.discount) showMessage(MSG.discountRemoved, "info");
  commit();
}

async function discountTicket() {
  if (!assertEditable()) return;
  const totals = T.ticketTotals(ticket);
  if (!totals.lines) return showMessage(MSG.nothingToCharge);
  const result = await askDiscount({ title: MSG.ticketDiscountTitle, base: totals.subtotal, current: ticket.ticketDiscount });
  if (!result) return;
  ticket.ticketDiscount = result.discount ? { ...result.discount, approvalId: result.approvalId } : null;
  if (!result.discount) showMessage(MSG.discountRemoved, "info");
  commit();
}

async function voidLine() {
  if (!assertEditable()) return;
  const line = requireLine();
  if (!line) return;
  let approvalId = null;
  if (cfg.role === "cajero") {
    const approval = await askApproval({ action: "anular_linea", reason: MSG.approvalVoid(line.name), detail: line.name });
    if (!approval) return;
    approvalId = approval.id;
  }
  // Voided lines stay on the ticket and are sent with the sale (loss prevention).
  line.isVoided = true;
  line.voidApprovalId = approvalId;
  showMessage(MSG.lineVoidedOk(line.name), "info");
  commit();
}

function moveSelection(step) {
  if (!ticket.lines.length) return;
  const n = ticket.lines.length;
  ticket.selected = Math.min(n - 1, Math.max(0, (ticket.selected < 0 ? n : ticket.selected) + step));
  commit();
}

// ---------------------------------------------------------------- park / resume

/** The ticket waits on the server with a name the cashier may give it, and its customer. */
async function park() {
  if (!assertEditable()) return;
  if (!ticket.lines.length) return showMessage(MSG.emptyTicket);
  const totals = T.ticketTotals(ticket);
  const summary = MSG.parkedLabel(totals.items, T.formatCLP(totals.total));
  const answer = await ask({
    title: MSG.parkTitle,
    label: MSG.parkName,
    hint: MSG.parkHint(summary),
    inputmode: "text",
    parse: (text) => ({ value: text.trim().replace(/\s+/g, " ").slice(0, 30) }),
  });
  if (!answer) return;
  const label = answer.value ? `${answer.value} · ${summary}` : summary;
  try {
    await api.park(label.slice(0, 60), { ...ticket, customer: customer.snapshot() });
  } catch (error) {
    return showError(error);
  }
  ticket = newTicket();
  customer.reset();
  commit();
  showMessage(MSG.parked, "ok");
}

/**
 * Esc on a ticket with lines: drop it all, uncharged. A cashier needs a supervisor's PIN
 * for it (the used approval is the record of the cancellation); a supervisor confirms.
 */
async function cancelTicket() {
  if (!assertEditable() || !ticket.lines.length) return;
  const totals = T.ticketTotals(ticket);
  const summary = MSG.parkedLabel(totals.items, T.formatCLP(totals.total));
  if (cfg.role === "cajero") {
    const approval = await askApproval({
      action: "cancelar_ticket",
      reason: MSG.approvalCancel(summary),
      amountClp: totals.total || null,
      detail: summary,
    });
    if (!approval) return;
    try {
      const lines = ticket.lines.filter((l) => !l.isVoided).map((l) => l.name);
      await api.cancelTicket({ approvalId: approval.id, totalClp: totals.total, lines });
    } catch (error) {
      return showError(error);
    }
  } else if (!(await confirmDialog({ title: MSG.cancelTitle, text: MSG.cancelConfirm(summary) }))) {
    return;
  }
  ticket = newTicket();
  customer.reset();
  commit();
  showMessage(MSG.ticketCancelled, "info");
}

async function resume() {
  if (ticket.lines.length) return showMessage(MSG.resumeFirst);
  let tickets;
  try {
    tickets = (await api.parkedList()).data;
  } catch (error) {
    return showError(error);
  }
  if (!tickets.length) return showMessage(MSG.noParked, "info");
  const dialog = el.parked;
  const list = slot(dialog, "list");
  let index = 0;
  const draw = () => {
    list.replaceChildren(
      ...tickets.map((t, i) => {
        const li = document.createElement("li");
        li.role = "option";
        li.dataset.index = i;
        li.setAttribute("aria-selected", String(i === index));
        const label = document.createElement("span");
        label.textContent = t.label || `#${t.id}`;
        const who = document.createElement("small");
        const time = new Date(t.created_at).toLocaleTimeString("es-CL", { hour: "2-digit", minute: "2-digit" });
        who.textContent = [t.customer, t.cashier, time].filter(Boolean).join(" · ");
        li.append(label, who);
        li.addEventListener("click", () => {
          index = i;
          draw();
        });
        li.addEventListener("dblclick", () => dialog.querySelector("form").requestSubmit());
        return li;
      }),
    );
  };
  draw();
  const payload = await runDialog(dialog, {
    onOpen: () => dialog.querySelector("button[type=submit]").focus(),
    onKey: (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        index = (index + (event.key === "ArrowDown" ? 1 : -1) + tickets.length) % tickets.length;
        draw();
      }
    },
    onSubmit: async () => {
      try {
        return (await api.resume(tickets[index].id)).data;
      } catch (error) {
        dialogError(dialog, error.message);
        return KEEP_OPEN;
      }
    },
  });
  if (!payload || !Array.isArray(payload.lines)) return;
  const { customer: chosen, ...saved } = payload;
  ticket = { ...newTicket(), ...saved, unconfirmed: null };
  ticket.selected = ticket.lines.length - 1;
  customer.restore(chosen);
  commit();
  showMessage(MSG.resumed, "ok");
}

// ---------------------------------------------------------------- payment

/** A typed payment amount in pesos; null when empty or unreadable (see paymentProblem). */
function parseAmount(text) {
  const amount = N.parseAmountClp(text);
  return amount.error ? null : amount.value;
}

/** The Spanish message for the first typed amount that cannot be read; null if none. */
function paymentProblem(rows) {
  for (const row of rows) {
    if (String(row.amount).trim() === "") continue;
    const amount = N.parseAmountClp(row.amount, { field: MSG.methods[row.method] });
    if (amount.error) return amount.message;
  }
  return null;
}

const typedPayments = (rows) => rows.map((r) => ({ method: r.method, amount: parseAmount(r.amount) }));

/** Payment rows as typed → payments to send. An empty cash amount means "exact". */
function resolvePayments(total, rows) {
  const typed = typedPayments(rows);
  let exactCash = T.cashStillDue(total, typed);
  const payments = [];
  for (const p of typed) {
    if (p.amount) payments.push(p);
    else if (p.method === "efectivo" && exactCash > 0) {
      payments.push({ method: "efectivo", amount: exactCash });
      exactCash = 0;
    }
  }
  return payments;
}

function salePayload(payments) {
  const t = T.ticketTotals(ticket);
  return {
    client_uuid: ticket.uuid,
    lines: T.saleLinesPayload(ticket),
    payments: payments.map((p) => ({ method: p.method, amount_clp: p.amount, reference: "" })),
    ticket_discount_clp: t.ticketDiscount,
    ticket_discount_approval_id: ticket.ticketDiscount?.approvalId ?? null,
    ...customer.saleFields(), // document_kind and customer_id
  };
}

/** Send the sale. Returns true when it is recorded (new or already recorded before). */
async function sendSale(payload, { buyerCompleted = false } = {}) {
  showMessage(MSG.paying, "info");
  try {
    const { data } = await api.createSale(payload);
    ticket = newTicket();
    customer.reset();
    commit();
    clearMessage();
    showReceipt(data);
    return true;
  } catch (error) {
    if (error instanceof NetworkError) {
      // The sale may have been recorded: freeze the ticket and resend the same request
      // (or, still without the server, save it offline under the same client_uuid).
      ticket.unconfirmed = payload;
      save();
      showMessage(MSG.offlineUnconfirmed);
      return false;
    } else {
      // The server answered no: nothing was recorded, the ticket can be edited again.
      ticket.unconfirmed = null;
      save();
      // A label nobody approved here (scanned by a supervisor, then parked and resumed
      // by a cashier): ask for the PIN now and send again.
      const labels = T.unapprovedScaleLabels(ticket);
      if (error instanceof ApiError && error.code === "requiere_aprobacion" && labels.length) {
        for (const line of labels) {
          if (!(await approveScaleLabel(line))) {
            showError(error);
            return false;
          }
        }
        save();
        return sendSale({ ...payload, lines: T.saleLinesPayload(ticket) });
      }
      // A factura whose buyer lacks giro, dirección or comuna: complete it, send again.
      if (error instanceof ApiError && error.code === "factura_sin_datos_comprador" && !buyerCompleted) {
        if (await customer.completeForFactura(error.message)) {
          return sendSale({ ...payload, ...customer.saleFields() }, { buyerCompleted: true });
        }
      }
    }
    showError(error);
    if (error instanceof ApiError && error.code === "caja_cerrada") {
      el.pay.close(); // the session is closed: back to the ticket, with "Abrir caja" offered
      cash.refresh();
    }
    return false;
  }
}

async function pay() {
  if (ticket.unconfirmed) return offlineMode ? saveOffline(ticket.unconfirmed) : sendSale(ticket.unconfirmed);
  const totals = T.ticketTotals(ticket);
  if (!totals.lines) return showMessage(ticket.lines.length ? MSG.nothingToCharge : MSG.emptyTicket);
  const total = totals.total;
  const dialog = el.pay;
  customer.decoratePay(dialog); // "Fiado" with the customer's available credit
  const rowsBox = slot(dialog, "rows");
  const summary = slot(dialog, "summary");
  const rows = [{ method: "efectivo", amount: "" }];
  slot(dialog, "total").textContent = T.formatCLP(total);
  slot(dialog, "cash").textContent = T.formatCLP(totals.cashTotal);

  const update = () => {
    const payments = resolvePayments(total, rows);
    const s = T.settle(total, payments);
    const received = payments.reduce((sum, p) => sum + p.amount, 0);
    const parts = [
      [MSG.payReceived, T.formatCLP(received), ""],
      s.missing ? [MSG.payMissing, T.formatCLP(s.missing), "missing"] : [MSG.payChange, T.formatCLP(s.change || 0), "change"],
    ];
    if (s.rounding) parts.push([MSG.payRounding, `${s.rounding > 0 ? "+" : ""}${T.formatCLP(s.rounding)}`, ""]);
    summary.replaceChildren(
      ...parts.map(([label, value, cls]) => {
        const div = document.createElement("div");
        div.className = cls;
        const span = document.createElement("span");
        span.textContent = label;
        const strong = document.createElement("strong");
        strong.textContent = value;
        div.append(span, strong);
        return div;
      }),
    );
    // An empty cash field takes what is still owed after the other rows, and says so.
    const exact = MSG.payExact(T.formatCLP(T.cashStillDue(total, typedPayments(rows))));
    rowsBox.querySelectorAll('input[data-method="efectivo"]').forEach((input) => (input.placeholder = exact));
    const typedProblem = paymentProblem(rows);
    dialogError(dialog, typedProblem || s.problem || "");
    return { payments, s, typedProblem };
  };

  const draw = (focusIndex = rows.length - 1) => {
    rowsBox.replaceChildren(
      ...rows.map((row, i) => {
        const div = document.createElement("div");
        div.className = "pay-row";
        const label = document.createElement("label");
        label.htmlFor = `pay-amount-${i}`;
        label.textContent = MSG.methods[row.method];
        const input = document.createElement("input");
        input.id = `pay-amount-${i}`;
        input.inputMode = "numeric";
        input.autocomplete = "off";
        input.dataset.method = row.method;
        input.value = row.amount;
        input.addEventListener("input", () => {
          row.amount = input.value;
          update();
        });
        div.append(label, input);
        if (rows.length > 1) {
          const remove = document.createElement("button");
          remove.type = "button";
          remove.className = "remove";
          remove.textContent = "×";
          remove.title = MSG.payRemove;
          remove.addEventListener("click", () => {
            rows.splice(i, 1);
            draw();
          });
          div.append(remove);
        }
        return div;
      }),
    );
    update();
    const input = rowsBox.querySelectorAll("input")[focusIndex];
    input?.focus();
    input?.select();
  };

  const addMethod = (method) => {
    if (!customer.acceptMethod(method, (text) => dialogError(dialog, text))) return;
    const { payments } = update();
    const paid = payments.filter((p) => p.method !== "efectivo").reduce((s, p) => s + p.amount, 0);
    const remaining = Math.max(total - paid, 0);
    if (rows.length === 1 && !rows[0].amount) {
      rows[0] = { method, amount: method === "efectivo" ? "" : String(remaining) };
    } else {
      const typedCash = rows.filter((r) => r.method === "efectivo").reduce((s, r) => s + (parseAmount(r.amount) || 0), 0);
      rows.push({ method, amount: method === "efectivo" ? "" : String(Math.max(remaining - typedCash, 0)) });
    }
    draw();
  };
  const keys = { e: "efectivo", d: "debito", c: "credito", t: "transferencia", f: "cuenta_corriente" };
  const methodButtons = dialog.querySelectorAll("[data-method]");
  const onMethodClick = (event) => addMethod(event.currentTarget.dataset.method);
  methodButtons.forEach((b) => b.addEventListener("click", onMethodClick));

  const opened = runDialog(dialog, {
    onOpen: () => draw(0),
    onKey: (event) => {
      const method = keys[event.key.toLowerCase()];
      if (method && !event.ctrlKey && !event.altKey && !event.metaKey) {
        event.preventDefault();
        addMethod(method);
      }
    },
    onSubmit: async () => {
      const { payments, s, typedProblem } = update();
      if (typedProblem) return KEEP_OPEN; // update() shows it
      if (!s.ok) {
        dialogError(dialog, s.problem || `${MSG.payMissing} ${T.formatCLP(s.missing)}`);
        return KEEP_OPEN;
      }
      const payload = salePayload(payments);
      const problem = offlineMode ? offlineProblem(payload) : null;
      if (problem) {
        dialogError(dialog, problem);
        return KEEP_OPEN;
      }
      return (await (offlineMode ? saveOffline(payload) : sendSale(payload))) ? true : KEEP_OPEN;
    },
  });
  await opened;
  methodButtons.forEach((b) => b.removeEventListener("click", onMethodClick));
}

// ---------------------------------------------------------------- offline sales

/** Why this sale cannot be made without the server (Spanish), or null. */
function offlineProblem(payload) {
  if (payload.document_kind !== "boleta") return MSG.offlineNoFactura;
  if (payload.customer_id != null) return MSG.offlineNoCustomer;
  if (payload.payments.some((p) => !T.PAYMENT_METHODS.includes(p.method))) return MSG.offlineNoFiado;
  const approved = (l) => l.is_voided || l.approval_id != null || l.quantity_approval_id != null || l.scale_approval_id != null;
  if (payload.ticket_discount_approval_id != null || payload.lines.some(approved)) return MSG.offlineNeedsApproval;
  return null;
}

/**
 * Record the sale in this browser with the next leased boleta number; it is sent when
 * the server answers again. The totals are the ticket's own (ticket.js), the same the
 * server recomputes. Returns true when queued.
 */
async function saveOffline(payload) {
  const problem = offlineProblem(payload);
  if (problem) {
    showMessage(problem);
    return false;
  }
  const sale = {
    ...payload,
    // What the till charged for each line: the server keeps it (and flags a price change).
    lines: payload.lines.map((line, i) => ({
      ...line,
      unit_price_clp: ticket.lines[i].embeddedPriceClp ?? ticket.lines[i].priceClp,
    })),
    sold_at: isoWithOffset(),
    cashier_id: cfg.userId,
  };
  const queued = await offline.queueSale(sale);
  if (!queued) {
    showMessage(MSG.offlineNoNumbers);
    return false;
  }
  const total = T.ticketTotals(ticket).total;
  const settled = T.settle(total, payload.payments.map((p) => ({ method: p.method, amount: p.amount_clp })));
  ticket = newTicket();
  customer.reset();
  commit();
  showMessage(MSG.offlineSaved(queued.sale.number, T.formatCLP(settled.change || 0)), "offline-ok", { persist: true });
  return true;
}

// ---------------------------------------------------------------- online / offline

const HEARTBEAT_ONLINE_MS = 15000;
const HEARTBEAT_OFFLINE_MS = 3000;
const TILL_VERSION = "pos-web-1";
let offlineMode = false;
let beatTimer = null;
let onlineRun = null;

/** Every API call reports whether the server answered: the till switches accordingly. */
function reached(answered) {
  if (answered === !offlineMode) return;
  offlineMode = !answered;
  updateOfflineBar();
  if (answered) onlineWork();
  else scheduleBeat();
}

let barRun = Promise.resolve();
function updateOfflineBar() {
  barRun = barRun.then(async () => {
    const [pending, rejected, left] = await Promise.all([offline.pending(), offline.rejected(), offline.numbersLeft()]);
    const bar = $("offline-bar");
    bar.classList.toggle("offline", offlineMode);
    $("offline-state").hidden = !offlineMode;
    const pendingEl = $("offline-pending");
    pendingEl.hidden = pending === 0;
    pendingEl.textContent = MSG.pending(pending);
    const rejectedEl = $("offline-rejected");
    rejectedEl.hidden = rejected.length === 0;
    rejectedEl.textContent = MSG.rejectedCount(rejected.length);
    rejectedEl.title = rejected.map((r) => MSG.offlineRejected(r.sale.number, r.result.message)).join("\n");
    $("offline-numbers").textContent = offlineMode ? MSG.numbersLeft(left) : "";
    bar.hidden = !offlineMode && pending === 0 && rejected.length === 0;
    root.dataset.offline = offlineMode ? "1" : "0";
    root.dataset.pending = String(pending);
    root.dataset.numbersLeft = String(left);
  }).catch((error) => console.error(error));
  return barRun;
}

/** With the server answering: send the queue, renew the number blocks, sync the catalogue. */
function onlineWork() {
  onlineRun ||= (async () => {
    const step = async (work) => {
      try {
        await work();
      } catch (error) {
        if (!(error instanceof NetworkError)) console.error(error);
      }
    };
    // The queue first: the block report then counts the numbers it used.
    let synced = false;
    await step(async () => {
      if (!(await offline.pending())) return;
      const outcome = await offline.syncQueue();
      synced = outcome.recorded > 0;
      for (const failed of outcome.rejected) showMessage(MSG.offlineRejected(failed.sale.number, failed.result.message));
      if (outcome.recorded && !outcome.rejected.length) showMessage(MSG.offlineSynced(outcome.recorded), "ok", { persist: true });
      else if (outcome.retry && !outcome.rejected.length) showMessage(MSG.offlineRetry(outcome.retryMessage), "info", { persist: true });
    });
    await step(async () => {
      if (synced || (await offline.blocksWanted())) await offline.refreshBlocks();
    });
    await step(async () => {
      await offline.syncCatalog();
      markCatalogReady();
    });
    onlineRun = null;
    updateOfflineBar();
  })();
  return onlineRun;
}

function markCatalogReady() {
  if (root.dataset.catalog) return;
  root.dataset.catalog = "ready";
  root.dataset.catalogMs = String(Math.round(performance.now()));
}

function scheduleBeat() {
  clearTimeout(beatTimer);
  beatTimer = setTimeout(beat, offlineMode ? HEARTBEAT_OFFLINE_MS : HEARTBEAT_ONLINE_MS);
}

async function beat() {
  clearTimeout(beatTimer);
  try {
    if ((await offline.heartbeat(TILL_VERSION)) && !onlineRun) await onlineWork();
  } catch (error) {
    console.error(error);
  } finally {
    scheduleBeat();
  }
}

/** Logging out forgets the kept till page: nobody opens this cashier's till offline. */
function forgetPageOnLogout() {
  const form = document.querySelector("form.logout");
  if (!form || !window.caches) return;
  form.addEventListener("submit", async (event) => {
    if (form.dataset.forgotten) return;
    event.preventDefault();
    try {
      await caches.delete("itplus-pos-v1"); // the service worker's cache (pos/sw.js)
    } finally {
      form.dataset.forgotten = "1";
      form.requestSubmit();
    }
  });
}

/** Offline, the customer picker (F3, "Cliente") and "Factura" are refused before
 * customer.js asks the server for them. */
function guardCustomerOffline() {
  const refuse = (event, text) => {
    event.preventDefault();
    event.stopImmediatePropagation();
    showMessage(text);
    focusCode(); // the scanner's input, as after any click
  };
  document.addEventListener(
    "keydown",
    (event) => {
      if (offlineMode && event.key === "F3" && !document.querySelector("dialog[open]")) refuse(event, MSG.offlineNoCustomer);
    },
    true,
  );
  document.addEventListener(
    "click",
    (event) => {
      if (!offlineMode) return;
      if (event.target.closest('[data-doc-kind="factura"]')) refuse(event, MSG.offlineNoFactura);
      else if (event.target.closest('[data-customer-action="pick"]')) refuse(event, MSG.offlineNoCustomer);
    },
    true,
  );
}

async function startOffline() {
  forgetPageOnLogout();
  guardCustomerOffline();
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(cfg.swUrl, { scope: "/pos/" }).catch((error) => console.warn(error));
  }
  if (await offline.hasCatalog()) {
    await offline.catalog(); // a reload: the stored catalogue in memory, then synced
    markCatalogReady();
  }
  updateOfflineBar();
  beat();
}

// ---------------------------------------------------------------- receipt

async function loadReceipt(frame, url) {
  // srcdoc rather than src: the receipt page may forbid framing (X-Frame-Options), and a
  // srcdoc frame stays same-origin so its window.print() is ours to call.
  const html = await api.page(url);
  const base = `<base href="${new URL(url, location.href).href}">`;
  frame.srcdoc = /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (m) => m + base) : base + html;
}

function showReceipt(sale) {
  const dialog = el.receipt;
  const frame = slot(dialog, "frame");
  slot(dialog, "doc").textContent = `${sale.document} N° ${sale.number}`;
  slot(dialog, "charged").textContent = T.formatCLP(sale.amount_charged_clp);
  const change = slot(dialog, "change");
  change.textContent = T.formatCLP(sale.change_clp);
  change.classList.toggle("zero", sale.change_clp === 0);
  slot(dialog, "rounding").textContent = sale.cash_rounding_clp
    ? `${MSG.payRounding}: ${sale.cash_rounding_clp > 0 ? "+" : ""}${T.formatCLP(sale.cash_rounding_clp)}`
    : "";
  frame.removeAttribute("srcdoc");
  frame.hidden = false;
  const print = () => frame.contentWindow?.print();
  const printButton = dialog.querySelector('[data-action="print"]');
  printButton.onclick = print;
  runDialog(dialog, {
    onOpen: () => slot(dialog, "next").focus(),
    onKey: (event) => {
      if (event.key === "F10") {
        event.preventDefault();
        print();
      }
    },
  });
  loadReceipt(frame, sale.receipt_url).catch(() => {
    frame.hidden = true;
    dialogError(dialog, MSG.receiptFailed);
  });
}

// ---------------------------------------------------------------- wiring

el.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const raw = el.code.value;
  if (!el.results.hidden && search.items.length && search.query === raw) {
    return pickResult(search.index >= 0 ? search.index : 0);
  }
  closeResults();
  if (!raw.trim()) return;
  if (!assertEditable()) return;
  el.code.value = "";
  enqueue(() => handleCode(raw));
});

el.code.addEventListener("input", scheduleSearch);

el.results.addEventListener("mousedown", (event) => {
  const li = event.target.closest("li[data-index]");
  if (li) {
    event.preventDefault();
    pickResult(Number(li.dataset.index));
  }
});

el.lines.addEventListener("click", (event) => {
  const tr = event.target.closest("tr[data-index]");
  if (tr) {
    ticket.selected = Number(tr.dataset.index);
    commit();
  }
});

// Actions wait for scans still being looked up, so "scan, scan, Supr" voids the last scan.
const IMMEDIATE = new Set(["search", "escape"]);
const run = (action) => {
  if (offlineMode && MSG.needsServer[action]) return showMessage(MSG.offlineNeedsServer(MSG.needsServer[action]));
  return IMMEDIATE.has(action) ? actions[action]() : enqueue(() => actions[action]());
};

const actions = {
  search: () => {
    focusCode(true);
    scheduleSearch();
  },
  quantity: changeQuantity,
  "line-discount": discountLine,
  "ticket-discount": discountTicket,
  park,
  resume,
  void: voidLine,
  pay,
  cash: () => cash.open(),
  return: () => returns.open(),
  account: () => account.open(),
  escape: () => {
    if (!el.results.hidden) closeResults();
    else if (el.code.value) el.code.value = "";
    // After the scans still on their way: "scan, Esc" cancels a ticket with that line.
    else enqueue(() => (ticket.lines.length ? cancelTicket() : clearMessage()));
  },
};

root.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (button) {
    run(button.dataset.action);
    focusCode();
  }
});

const KEYS = { F2: "search", F4: "quantity", F6: "line-discount", F7: "ticket-discount", F8: "park", F9: "resume", F10: "cash", F12: "pay" };

document.addEventListener("keydown", (event) => {
  if (document.querySelector("dialog[open]")) return;
  const inCode = event.target === el.code;
  let action = KEYS[event.key];
  if (!action && event.key === "+" && (inCode || event.target === document.body)) action = "pay";
  if (!action && event.key === "Delete" && (!inCode || !el.code.value)) action = "void";
  if (!action && event.key === "Escape") action = "escape";
  if (action) {
    event.preventDefault();
    run(action);
    return;
  }
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    if (!el.results.hidden) moveResult(step);
    else moveSelection(step);
  }
});

// Keep the scanner's input focused: a click anywhere else outside a dialog gives it back.
document.addEventListener("click", (event) => {
  if (!event.target.closest("dialog, a, input, select, textarea")) focusCode();
});
window.addEventListener("focus", () => focusCode());

render();
focusCode();
root.dataset.ready = "1"; // the input takes scans only from here on (tests wait for it)
startOffline();
if (ticket.unconfirmed) showMessage("Hay un cobro sin confirmar: presione Cobrar (F12) para reintentarlo.");
