// The till without the server: the catalogue, the leased boleta numbers and the sales
// made offline live in this browser's IndexedDB (one database per terminal).
//
// - Catalogue: GET /catalog/changes?since=N, page after page. Each page is written as ONE
//   record of the "catalog" store (a log: later pages override earlier ones, inactive
//   products drop out; compacted when it grows), because one put per product is what
//   makes 100,000 products slow in IndexedDB. "meta" keeps the last change number, so a
//   reload reads the log into memory (Maps by id and by code) and fetches only what changed.
// - Blocks: POST /offline/blocks leases ranges of boleta numbers for this terminal; each
//   block remembers the next number not used yet here.
// - Queue: a sale made offline takes the next number of a block and is queued in the same
//   IndexedDB transaction (so two tabs never take the same number); POST /offline/sales
//   sends the queue in order when the server answers again. The server is idempotent on
//   client_uuid, so a resend after a lost answer never records a sale twice.
import { NetworkError } from "./api.js";

const VERSION = 2;
const PAGE = 5000;
const COMPACT_ABOVE = 40; // log records; then rewritten as pages of live products
const SYNC_CHUNK = 50; // the most POST /offline/sales takes at once

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
  });
}

export function openDatabase(name) {
  const request = indexedDB.open(name, VERSION);
  request.onupgradeneeded = (event) => {
    const db = request.result;
    if (event.oldVersion < 1) {
      db.createObjectStore("meta", { keyPath: "key" });
      db.createObjectStore("blocks", { keyPath: "id" });
      const queue = db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      queue.createIndex("uuid", "sale.client_uuid", { unique: true });
      db.createObjectStore("rejected", { keyPath: "seq", autoIncrement: true });
    }
    if (db.objectStoreNames.contains("products")) {
      // Version 1 kept one record per product: start the catalogue again.
      db.deleteObjectStore("products");
      request.transaction.objectStore("meta").delete("since");
    }
    db.createObjectStore("catalog", { keyPath: "seq", autoIncrement: true });
  };
  return promised(request);
}

/** Lower case without accents, as the server's search_text (itplus.core.text.fold). */
export function fold(text) {
  return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/** An ISO 8601 local time with milliseconds and its UTC offset: "2026-12-04T15:01:02.250-03:00"
 * (to the millisecond: a sale right after its block was leased is not "before" it). */
export function isoWithOffset(date = new Date()) {
  const pad = (n) => String(Math.trunc(Math.abs(n))).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${String(date.getMilliseconds()).padStart(3, "0")}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  );
}

/** A catalogue row of GET /catalog/changes as the till's product (as in /products/lookup). */
function stored(row) {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    price_clp: row.price_clp,
    unit: row.unit,
    is_weighed: row.is_weighed,
    is_exempt: row.is_exempt,
    ila_tax: row.ila_tax,
    is_active: row.is_active,
    codes: [...row.barcodes, row.sku],
  };
}

const publicProduct = ({ codes, is_active, ...product }) => product;

export function createOffline({ api, terminal, onChange = () => {} }) {
  const dbReady = openDatabase(`itplus-pos-${terminal}`);
  let catalogRun = null;
  let queueRun = null;
  let loaded = null; // the catalogue in memory: {byId, byCode}
  let names = null; // [search text, product] pairs, built on the first offline search

  async function tx(stores, mode, work) {
    const db = await dbReady;
    const t = db.transaction(stores, mode);
    const finished = done(t);
    const result = await work(...stores.map((s) => t.objectStore(s)));
    await finished;
    return result;
  }

  const meta = async (key) => (await tx(["meta"], "readonly", (m) => promised(m.get(key))))?.value;

  // ------------------------------------------------------------ catalogue

  function apply(memory, rows) {
    for (const row of rows) {
      const old = memory.byId.get(row.id);
      if (old) for (const code of old.codes) if (memory.byCode.get(code) === row.id) memory.byCode.delete(code);
      if (row.is_active) {
        memory.byId.set(row.id, row);
        for (const code of row.codes) memory.byCode.set(code, row.id);
      } else {
        memory.byId.delete(row.id);
      }
    }
    if (rows.length) names = null;
  }

  /** The stored catalogue read into memory once (the log replayed in order). */
  function catalog() {
    loaded ||= (async () => {
      const memory = { byId: new Map(), byCode: new Map() };
      const records = await tx(["catalog"], "readonly", (c) => promised(c.getAll()));
      for (const record of records) apply(memory, record.rows);
      memory.records = records.length;
      return memory;
    })();
    return loaded;
  }

  /** Rewrite the log as pages of the live products (after many small syncs). */
  async function compact(memory) {
    const live = [...memory.byId.values()];
    await tx(["catalog"], "readwrite", (c) => {
      c.clear();
      for (let i = 0; i < live.length; i += PAGE) c.add({ rows: live.slice(i, i + PAGE) });
    });
    memory.records = Math.ceil(live.length / PAGE);
  }

  /** Fetch every change after the stored change number; resolves with how many rows came. */
  function syncCatalog() {
    catalogRun ||= (async () => {
      const memory = await catalog();
      const since = (await meta("since")) || 0;
      let count = 0;
      let next = api.request("GET", `/catalog/changes?since=${since}&limit=${PAGE}`);
      for (;;) {
        const { data } = await next;
        // Ask for the next page while this one is written.
        next = data.more ? api.request("GET", `/catalog/changes?since=${data.since}&limit=${PAGE}`) : null;
        next?.catch(() => {}); // awaited in the next turn; no unhandled rejection meanwhile
        if (data.products.length) {
          const rows = data.products.map(stored);
          await tx(["catalog", "meta"], "readwrite", (c, m) => {
            c.add({ rows });
            m.put({ key: "since", value: data.since });
            m.put({ key: "synced_at", value: Date.now() });
          });
          apply(memory, rows);
          memory.records += 1;
          count += rows.length;
        }
        if (!next) break;
      }
      if (memory.records > COMPACT_ABOVE) await compact(memory);
      onChange();
      return count;
    })().finally(() => {
      catalogRun = null;
    });
    return catalogRun;
  }

  /** Whether a catalogue has been stored here (a first sync wrote at least one page). */
  const hasCatalog = async () => ((await meta("since")) || 0) > 0;

  /** How many products the till can sell offline. */
  const productCount = async () => (await catalog()).byId.size;

  /** Like GET /products/lookup: an exact barcode or the SKU (no deli-scale labels offline). */
  async function lookup(code) {
    const memory = await catalog();
    const typed = code.trim();
    const product = memory.byId.get(memory.byCode.get(typed));
    return product ? { product: publicProduct(product), code: typed } : null;
  }

  /** Like GET /products/search: every word in the name or SKU, first `limit` by name. */
  async function search(text, limit = 12) {
    const memory = await catalog();
    names ||= [...memory.byId.values()].map((p) => [`${fold(p.name)} ${p.sku.toLowerCase()}`, p]);
    const words = fold(text).split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    return names
      .filter(([haystack]) => words.every((w) => haystack.includes(w)))
      .map(([, p]) => p)
      .sort((a, b) => a.name.localeCompare(b.name, "es"))
      .slice(0, limit)
      .map(publicProduct);
  }

  // ------------------------------------------------------------ number blocks

  const blocks = () => tx(["blocks"], "readonly", (b) => promised(b.getAll()));
  let renewBelow = null; // the server's [offline] renew_below, from its last answer

  /** Whether to ask the server about the blocks now: once per page, then only when fewer
   * numbers are left than the server renews at (a lease takes the series' lock: not at
   * every heartbeat). */
  async function blocksWanted() {
    return renewBelow === null || (await numbersLeft()) < renewBelow;
  }

  /** Report what this till used and store the terminal's open blocks (new ones leased). */
  async function refreshBlocks() {
    const mine = await blocks();
    const used = mine.map((b) => ({ block_id: b.id, next_number: b.next }));
    const { data } = await api.request("POST", "/offline/blocks", { used });
    await tx(["blocks"], "readwrite", async (store) => {
      const local = new Map((await promised(store.getAll())).map((b) => [b.id, b]));
      const listed = new Set();
      for (const block of data.blocks) {
        listed.add(block.id);
        const next = Math.max(local.get(block.id)?.next ?? block.first, block.first);
        store.put({ ...block, next });
      }
      // A block the server no longer lists is used up (closed on our own report).
      for (const id of local.keys()) if (!listed.has(id)) store.delete(id);
    });
    renewBelow = data.renew_below;
    onChange();
    return data;
  }

  /** Numbers this till can still give offline. */
  async function numbersLeft() {
    return (await blocks()).reduce((sum, b) => sum + Math.max(b.last - b.next + 1, 0), 0);
  }

  // ------------------------------------------------------------ the queue

  /**
   * Take the next leased boleta number and queue the sale with it, in one transaction.
   * Resolves with the queued sale, or null when no leased number is left.
   */
  async function queueSale(sale) {
    const queued = await tx(["blocks", "queue"], "readwrite", async (blockStore, queue) => {
      const all = (await promised(blockStore.getAll())).sort((a, b) => a.first - b.first);
      const block = all.find((b) => b.next <= b.last);
      if (!block) return null;
      const entry = {
        sale: { ...sale, block_id: block.id, number: block.next },
        series: block.series,
        queued_at: Date.now(),
      };
      blockStore.put({ ...block, next: block.next + 1 });
      queue.add(entry);
      return entry;
    });
    onChange();
    return queued;
  }

  const pending = () => tx(["queue"], "readonly", (q) => promised(q.count()));
  const rejected = () => tx(["rejected"], "readonly", (r) => promised(r.getAll()));

  /**
   * Send the queue in order. Recorded sales ("creada", "ya_registrada") leave it; a
   * "retry" one stays for next time; a rejected one moves to "rejected" with the server's
   * Spanish message. Resolves with {recorded, rejected: [entries]}.
   */
  function syncQueue() {
    queueRun ||= (async () => {
      const entries = await tx(["queue"], "readonly", (q) => promised(q.getAll()));
      const outcome = { recorded: 0, rejected: [], retry: 0 };
      for (let i = 0; i < entries.length; i += SYNC_CHUNK) {
        const chunk = entries.slice(i, i + SYNC_CHUNK);
        const { data } = await api.request("POST", "/offline/sales", { sales: chunk.map((e) => e.sale) });
        const byUuid = new Map(data.results.map((r) => [r.client_uuid, r]));
        await tx(["queue", "rejected"], "readwrite", (queue, rejectedStore) => {
          for (const entry of chunk) {
            const result = byUuid.get(entry.sale.client_uuid);
            if (!result) continue;
            if (result.status === "creada" || result.status === "ya_registrada") {
              queue.delete(entry.seq);
              outcome.recorded += 1;
            } else if (result.retry) {
              outcome.retry += 1;
              outcome.retryMessage ||= result.message;
            } else {
              queue.delete(entry.seq);
              const { seq, ...kept } = entry;
              const failed = { ...kept, result, rejected_at: Date.now() };
              rejectedStore.add(failed);
              outcome.rejected.push(failed);
            }
          }
        });
      }
      onChange();
      return outcome;
    })().finally(() => {
      queueRun = null;
    });
    return queueRun;
  }

  /** POST /terminals/heartbeat with the queue's length; true when the server answered. */
  async function heartbeat(version) {
    try {
      await api.request("POST", "/terminals/heartbeat", { version, pending_offline_sales: await pending() });
      return true;
    } catch (error) {
      if (error instanceof NetworkError) return false;
      throw error;
    }
  }

  return { catalog, syncCatalog, hasCatalog, productCount, lookup, search, refreshBlocks, blocksWanted, numbersLeft, queueSale, pending, rejected, syncQueue, heartbeat };
}
