// Numbers typed at the till, read exactly as the server reads them (itplus.core.numbers;
// tests run one table through both). "1,5" and, for a weight, "1.5" / "1.500" are one and
// a half; "1.500" for a product sold by the unit is ambiguous (1500 or 1,5?) and refused;
// units are whole, kilograms take at most 3 decimals. Pesos are whole: "." groups
// thousands ("$ 1.000" = 1000), "1.000,5" and the ambiguous "1,000" are refused.
// Results are {value} or {error, message}: `error` is the reason (the server's
// InvalidNumber.reason) and `message` the Spanish text to show.

export const MAX_QUANTITY = 999999n;
export const MAX_WEIGHT_MILLI = 99999999n; // 99.999,999 kg
export const MAX_AMOUNT_CLP = 10n ** 12n;
const MAX_TEXT_LENGTH = 40;

const fail = (field, error, detail) => ({ value: null, error, message: `${field}: ${detail}` });
const malformed = (field, text) => fail(field, "malformed", `«${text}» no es un número.`);

/** $1.234.567 — Chilean thousands separator. */
const dotted = (digits) => String(digits).replace(/\B(?=(\d{3})+(?!\d))/g, ".");

/** Decimal text with a dot ("1.500", "-2") → es-CL without trailing zeros ("1,5", "-2"). */
export function formatQuantity(value) {
  if (value === null || value === undefined || value === "") return "";
  const [whole, fraction = ""] = String(value).split(".");
  const kept = fraction.replace(/0+$/, "");
  const int = whole.replace(/^(-?)0+(?=\d)/, "$1");
  return kept ? `${int},${kept}` : int === "-0" ? "0" : int;
}

/** The input as {text} to read, {number: [sign, whole, fraction]} already numeric, or a failure. */
function valueOf(value, field) {
  if (value === null || value === undefined) return { failure: fail(field, "empty", "escriba un número.") };
  if (typeof value === "number" || typeof value === "bigint") {
    const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(String(value));
    return m ? { number: [Boolean(m[1]), m[2], m[3] || ""] } : { failure: malformed(field, String(value)) };
  }
  if (typeof value !== "string") return { failure: malformed(field, String(value)) };
  const text = value.trim();
  if (!text) return { failure: fail(field, "empty", "escriba un número.") };
  if (text.length > MAX_TEXT_LENGTH) return { failure: fail(field, "malformed", "no es un número.") };
  return { text };
}

function readQuantityText(text, weighed, field) {
  const [, sign, body] = /^([-\u2212])?\s*([\s\S]*)$/.exec(text);
  let m;
  if (/^\d+$/.test(body)) return { number: [Boolean(sign), body, ""] };
  if ((m = /^(\d*)([.,])(\d+)$/.exec(body))) {
    const [, whole, mark, fraction] = m;
    if (mark === "." && !weighed && whole && fraction.length === 3) {
      const decimal = formatQuantity(`${whole}.${fraction}`);
      return { failure: fail(field, "ambiguous", `«${body}» es ambiguo: escriba ${whole}${fraction} o ${decimal}.`) };
    }
    return { number: [Boolean(sign), whole || "0", fraction] };
  }
  m = /^(\d{1,3}(?:\.\d{3})+)(?:,(\d+))?$/.exec(body);
  if (m && (m[2] !== undefined || (body.match(/\./g) || []).length > 1)) {
    return { number: [Boolean(sign), m[1].replaceAll(".", ""), m[2] || ""] };
  }
  return { failure: malformed(field, text) };
}

function readAmountText(text, field) {
  const [, first, , second, body] = /^([-\u2212])?\s*(\$)?\s*([-\u2212])?\s*([\s\S]*)$/.exec(text);
  if (first && second) return { failure: malformed(field, text) };
  const sign = Boolean(first || second);
  let m;
  if (/^\d+$/.test(body)) return { number: [sign, body, ""] };
  if (/^\d{1,3}(?:\.\d{3})+$/.test(body)) return { number: [sign, body.replaceAll(".", ""), ""] };
  if ((m = /^(\d+|\d{1,3}(?:\.\d{3})+),(\d+)$/.exec(body))) {
    const [, whole, fraction] = m;
    if (!whole.includes(".") && fraction.length === 3) {
      const plain = whole + fraction;
      return {
        failure: fail(
          field,
          "ambiguous",
          `«${body}» es ambiguo: los miles se separan con punto; escriba ${plain} o ${dotted(BigInt(plain))}.`,
        ),
      };
    }
    if (/[1-9]/.test(fraction)) return { failure: fail(field, "decimals", "los pesos no llevan decimales.") };
    return { number: [sign, whole.replaceAll(".", ""), ""] };
  }
  if (/^\d+(?:\.\d+)+$/.test(body)) {
    return { failure: fail(field, "grouping", `«${body}» no es un monto válido: el punto separa miles (1.000).`) };
  }
  return { failure: malformed(field, text) };
}

/** Exact comparison of |whole.fraction| with limit / 10^places. */
function exceeds(whole, fraction, limit, places) {
  const width = Math.max(fraction.length, places);
  const scaled = BigInt(whole + fraction.padEnd(width, "0"));
  return scaled > limit * 10n ** BigInt(width - places);
}

function checkSign([negative, whole, fraction], field, allowNegative, positive) {
  const zero = !/[1-9]/.test(whole + fraction);
  if (negative && !zero && !allowNegative) return fail(field, "negative", "no admite valores negativos.");
  if (zero && positive) return fail(field, "zero", "debe ser mayor que cero.");
  return null;
}

/**
 * A product quantity: {value: "3"} for units, {value: "1.500"} (kg, 3 places) for a
 * weighed product; or {error, message}.
 */
export function parseQuantity(input, { weighed, field, allowNegative = false, positive = false } = {}) {
  field = field || (weighed ? "Peso" : "Cantidad");
  const read = valueOf(input, field);
  if (read.failure) return read.failure;
  const parsed = read.text === undefined ? read : readQuantityText(read.text, weighed, field);
  if (parsed.failure) return parsed.failure;
  const [negative, whole, fraction] = parsed.number;
  const signError = checkSign(parsed.number, field, allowNegative, false);
  if (signError) return signError;
  const tooLarge = weighed ? exceeds(whole, fraction, MAX_WEIGHT_MILLI, 3) : exceeds(whole, fraction, MAX_QUANTITY, 0);
  if (tooLarge) {
    const max = weighed ? `${formatQuantity("99999.999")} kg` : String(MAX_QUANTITY);
    return fail(field, "too_large", `el máximo es ${max}.`);
  }
  const kept = fraction.replace(/0+$/, "");
  if (weighed && kept.length > 3) return fail(field, "decimals", "admite como máximo 3 decimales (gramos).");
  if (!weighed && kept) return fail(field, "not_whole", "se cuenta por unidad: escriba un número entero.");
  const last = checkSign(parsed.number, field, allowNegative, positive);
  if (last) return last;
  const zero = !/[1-9]/.test(whole + fraction);
  const sign = negative && !zero ? "-" : "";
  const int = BigInt(whole).toString();
  return { value: weighed ? `${sign}${int}.${kept.padEnd(3, "0")}` : `${sign}${int}`, error: null };
}

/** A weight in kilograms: {value: "0.750"} or {error, message}. */
export function parseWeightKg(input, { field, positive = false } = {}) {
  return parseQuantity(input, { weighed: true, field, positive });
}

/** A whole count (coins, bills): {value: Number} or {error, message}. */
export function parseCount(input, { field, positive = false } = {}) {
  const result = parseQuantity(input, { weighed: false, field, positive });
  return result.error ? result : { value: Number(result.value), error: null };
}

/** Whole pesos: {value: Number} or {error, message}. */
export function parseAmountClp(input, { field, allowNegative = false, positive = false, maximum = MAX_AMOUNT_CLP } = {}) {
  field = field || "Monto";
  const read = valueOf(input, field);
  if (read.failure) return read.failure;
  const parsed = read.text === undefined ? read : readAmountText(read.text, field);
  if (parsed.failure) return parsed.failure;
  const [negative, whole, fraction] = parsed.number;
  const signError = checkSign(parsed.number, field, allowNegative, false);
  if (signError) return signError;
  if (exceeds(whole, fraction, BigInt(maximum), 0)) return fail(field, "too_large", `el máximo es $${dotted(maximum)}.`);
  if (/[1-9]/.test(fraction)) return fail(field, "decimals", "los pesos no llevan decimales.");
  const last = checkSign(parsed.number, field, allowNegative, positive);
  if (last) return last;
  const amount = Number(BigInt(whole));
  return { value: negative && amount ? -amount : amount, error: null };
}
