// The till's calls to /api/v1/: the terminal token in the Authorization header and the
// cashier's session cookie. Errors carry the server's Spanish `detail`.
import { MSG } from "./messages.js";

export class ApiError extends Error {
  constructor(status, detail, code) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

/** The request may or may not have reached the server: retry with the same data. */
export class NetworkError extends Error {}

/** fetch() with a deadline: no answer within `timeoutMs` is a NetworkError, like no network. */
async function timedFetch(url, init, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(url, { credentials: "same-origin", ...init, signal: controller.signal });
  } catch {
    throw new NetworkError(MSG.network);
  } finally {
    clearTimeout(timer);
  }
}

export function createApi(token, { timeoutMs = 15000, onReach = () => {} } = {}) {
  /** Every call of every till module to /api/v1/ goes through here; ``onReach`` hears
   * whether the server answered (true, whatever the status) or not (false). */
  async function request(method, path, body) {
    let response;
    try {
      response = await send(method, path, body);
    } catch (error) {
      onReach(!(error instanceof NetworkError));
      throw error;
    }
    onReach(true);
    return response;
  }

  async function send(method, path, body) {
    const response = await timedFetch(
      `/api/v1${path}`,
      {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      },
      timeoutMs,
    );
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      throw new ApiError(response.status, data?.detail || MSG.serverError(response.status), data?.code || "error");
    }
    return { status: response.status, data };
  }

  /** A page of the site (a receipt) as HTML text, with the same deadline. */
  async function page(url) {
    const response = await timedFetch(url, {}, timeoutMs);
    if (!response.ok) throw new ApiError(response.status, MSG.serverError(response.status), "error");
    return response.text();
  }

  const q = encodeURIComponent;
  return {
    request,
    page,
    lookup: (code) => request("GET", `/products/lookup?code=${q(code)}`),
    search: (text) => request("GET", `/products/search?q=${q(text)}&limit=12`),
    createSale: (payload) => request("POST", "/sales", payload),
    // An approval is for this cashier at this terminal (the server knows both), for one
    // action and what it covers: a percentage, an amount or a sale.
    approve: (pin, { action, maxPercent = null, amountClp = null, saleId = null, detail = "" }) =>
      request("POST", "/approvals", {
        pin,
        action,
        max_percent: maxPercent,
        amount_clp: amountClp,
        sale_id: saleId,
        detail: detail || "",
      }),
    park: (label, payload) => request("POST", "/parked", { label, payload }),
    parkedList: () => request("GET", "/parked"),
    resume: (id) => request("POST", `/parked/${id}/resume`),
    // The whole unsaved ticket dropped; a cashier's with the "cancelar_ticket" approval.
    cancelTicket: ({ approvalId = null, totalClp, lines }) =>
      request("POST", "/tickets/cancel", { approval_id: approvalId, total_clp: totalClp, lines }),
  };
}
