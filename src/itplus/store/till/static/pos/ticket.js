// Pure ticket math, mirroring the server (itplus.core.money and sales.services).
// Pesos are integer numbers; quantities are decimal strings with at most 3 decimals
// ("3", "0.750": what numbers.js parseQuantity returns), multiplied as BigInt thousandths
// so there is never a float in a money amount. Typed numbers are read by numbers.js.
// The server recomputes everything; this is the preview the cashier sees.
import { parseAmountClp } from "./numbers.js";

export const PAYMENT_METHODS = ["efectivo", "debito", "credito", "transferencia"];

/** Ley 20.956: cash is rounded to 10; last digit 1–5 down, 6–9 up. */
export function roundCash(amount) {
  if (amount < 0) return -roundCash(-amount);
  const last = amount % 10;
  return last <= 5 ? amount - last : amount + (10 - last);
}

/** A ticket quantity ("2", "1.500") → thousandths as BigInt (1500n), or null when malformed. */
export function toMilli(quantity) {
  const match = /^(\d+)(?:\.(\d{1,3}))?$/.exec(String(quantity));
  if (!match) return null;
  return BigInt(match[1]) * 1000n + BigInt((match[2] || "").padEnd(3, "0"));
}

/** Price × quantity rounded half up to pesos, like core.money.round_clp. */
export function multiply(priceClp, quantity) {
  const milli = toMilli(quantity);
  return Number((BigInt(priceClp) * milli + 500n) / 1000n);
}

/** A discount as a whole percentage, rounded up (the server's rule for limits). */
export function percentOf(part, whole) {
  if (whole <= 0) return part > 0 ? 100 : 0;
  return Math.ceil((part * 100) / whole);
}

/** A percent discount in pesos, rounded down so it never exceeds the percentage. */
export function percentAmount(whole, percent) {
  return Math.floor((whole * percent) / 100);
}

/** "500", "$1.500", "10%", "10 %" → {clp} or {percent}; "" or "0" → {clp: 0}; null if invalid. */
export function parseDiscount(text) {
  const t = String(text).trim().replace(/\s+/g, "");
  if (t === "") return { clp: 0 };
  let m = /^(\d{1,3})%$/.exec(t);
  if (m) {
    const percent = Number(m[1]);
    return percent <= 100 ? { percent } : null;
  }
  const amount = parseAmountClp(t);
  return amount.error ? null : { clp: amount.value };
}

/** "3*7801234567890" → {quantity: "3", code: "7801234567890"} (the quantity as typed,
 * read later with the product's unit); no prefix → quantity null. */
export function parseScanInput(text) {
  const t = String(text).trim();
  const m = /^([\d.,]+)\s*\*\s*(.*)$/.exec(t);
  return m ? { quantity: m[1], code: m[2].trim() } : { quantity: null, code: t };
}

export function lineGross(line) {
  if (line.embeddedPriceClp != null) return line.embeddedPriceClp;
  return multiply(line.priceClp, line.quantity);
}

export function lineDiscount(line) {
  const gross = lineGross(line);
  const d = line.discount;
  if (!d) return 0;
  const amount = d.percent != null ? percentAmount(gross, d.percent) : d.clp;
  return Math.min(amount, gross);
}

export function lineTotal(line) {
  return lineGross(line) - lineDiscount(line);
}

/** Amount of the ticket discount for a given subtotal. */
export function ticketDiscountAmount(discount, subtotal) {
  if (!discount) return 0;
  const amount = discount.percent != null ? percentAmount(subtotal, discount.percent) : discount.clp;
  return Math.min(amount, subtotal);
}

/** Everything the totals panel shows. Voided lines count for nothing. */
export function ticketTotals(ticket) {
  const selling = ticket.lines.filter((l) => !l.isVoided);
  let items = 0;
  let gross = 0;
  let subtotal = 0;
  for (const line of selling) {
    items += line.isWeighed || line.embeddedPriceClp != null ? 1 : Number(line.quantity);
    gross += lineGross(line);
    subtotal += lineTotal(line);
  }
  const ticketDiscount = ticketDiscountAmount(ticket.ticketDiscount, subtotal);
  const total = subtotal - ticketDiscount;
  const cashTotal = roundCash(total);
  return {
    lines: selling.length,
    items,
    gross,
    discounts: gross - subtotal + ticketDiscount,
    subtotal,
    ticketDiscount,
    total,
    cashTotal,
    rounding: cashTotal - total,
  };
}

/**
 * Apply payments to a total exactly as the server does (sales.services._settle_payments):
 * electronic parts are exact and never give change; only the cash part is rounded.
 * Returns {ok, problem, electronic, cashExact, cashDue, tendered, change, rounding, missing}.
 */
export function settle(total, payments) {
  let electronic = 0;
  let tendered = 0;
  for (const p of payments) {
    if (!Number.isInteger(p.amount) || p.amount <= 0) {
      return { ok: false, problem: "Cada pago debe ser mayor que cero." };
    }
    if (p.method === "efectivo") tendered += p.amount;
    else electronic += p.amount;
  }
  const base = { electronic, tendered, change: 0, rounding: 0, missing: 0 };
  if (electronic > total) {
    return {
      ...base, ok: false, cashExact: 0, cashDue: 0,
      problem: "Los pagos con tarjeta o transferencia superan el total: no se da vuelto por ellos.",
    };
  }
  const cashExact = total - electronic;
  const cashDue = roundCash(cashExact);
  if (cashExact === 0) {
    if (tendered) return { ...base, ok: false, cashExact, cashDue, problem: "El total ya está pagado: sobra el pago en efectivo." };
    return { ...base, ok: true, cashExact, cashDue };
  }
  if (cashDue === 0) {
    // $1–5 left in cash rounds to nothing: no cash is due.
    return { ...base, ok: true, cashExact, cashDue, rounding: -cashExact, change: tendered };
  }
  if (tendered < cashDue) {
    return { ...base, ok: false, cashExact, cashDue, missing: cashDue - tendered, problem: null };
  }
  return { ...base, ok: true, cashExact, cashDue, change: tendered - cashDue, rounding: cashDue - cashExact };
}

/** $1.234.567 — Chilean thousands separator, no decimals. */
export function formatCLP(amount) {
  const sign = amount < 0 ? "-" : "";
  return `${sign}$${String(Math.abs(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;
}

/** "3" for units; "1,250 kg" for weighed products. */
export function formatQuantity(quantity, weighed) {
  if (!weighed) return String(quantity);
  const milli = toMilli(quantity);
  return `${milli / 1000n},${String(milli % 1000n).padStart(3, "0")} kg`;
}

/** A v4 UUID. crypto.randomUUID needs HTTPS, and tills reach the server by plain LAN http. */
export function uuid4() {
  if (globalThis.crypto?.randomUUID && globalThis.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The lines and discount as POST /api/v1/sales expects them. */
export function saleLinesPayload(ticket) {
  return ticket.lines.map((line) => ({
    ...(line.code ? { code: line.code } : { product_id: line.productId }),
    quantity: line.embeddedPriceClp != null ? "1" : line.quantity,
    discount_clp: lineDiscount(line),
    is_voided: Boolean(line.isVoided),
    approval_id: (line.isVoided ? line.voidApprovalId : line.discountApprovalId) ?? null,
    ...(line.scannedQuantity != null
      ? { scanned_quantity: line.scannedQuantity, quantity_approval_id: line.quantityApprovalId ?? null }
      : {}),
    ...(line.scaleApprovalId != null ? { scale_approval_id: line.scaleApprovalId } : {}),
  }));
}

/** Lines whose deli-scale label the server judged implausible and nobody approved yet. */
export function unapprovedScaleLabels(ticket) {
  return ticket.lines.filter((l) => !l.isVoided && l.scaleLabel && !l.scaleLabel.plausible && l.scaleApprovalId == null);
}

/**
 * Cash still to receive once the typed payments count ({method, amount|null} each): the
 * rounded cash part of what the electronic payments leave, minus cash already typed.
 * What an empty cash field means ("exacto") in a split payment.
 */
export function cashStillDue(total, typed) {
  const sum = (cash) => typed.filter((p) => (p.method === "efectivo") === cash).reduce((s, p) => s + (p.amount || 0), 0);
  return Math.max(roundCash(Math.max(total - sum(false), 0)) - sum(true), 0);
}

/**
 * The refund of returning ``quantity`` (a decimal string) of a sold line, as the server
 * computes it (sales.returns.services._line_amount): the share of the line total for
 * everything returned so far, rounded half up, minus what earlier returns credited; all
 * of what is left when the line comes back complete. ``line`` is a /returnable line.
 */
export function returnLineAmount(line, quantity) {
  const sold = toMilli(line.quantity_sold);
  const after = toMilli(line.quantity_returned) + toMilli(quantity);
  const total = BigInt(line.total_clp);
  const creditedAfter = after >= sold ? total : (2n * total * after + sold) / (2n * sold);
  const credited = BigInt(line.credited_clp);
  const left = total - credited;
  const amount = creditedAfter - credited;
  return Number(amount < 0n ? 0n : amount > left ? left : amount);
}
