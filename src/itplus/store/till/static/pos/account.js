// A payment into a customer's account at the till (F10 5, "Abono a cuenta"): pick the
// customer (the ticket keeps its own), type the amount (the debt is offered) and how it
// is paid. POST /customers/{id}/payments checks it under the customer's row lock; cash
// goes into this terminal's drawer, so the Z expects it.
import * as N from "./numbers.js";
import * as T from "./ticket.js";

const TEXT = {
  who: "Elija el cliente que abona a su cuenta.",
  debt: (amount) => `Deuda: ${amount}`,
  credit: (amount) => `Saldo a favor: ${amount}`,
  noDebt: "Sin deuda.",
  amountField: "Monto del abono",
  done: (amount, name, balance) => `Abono de ${amount} de ${name} registrado. Deuda actual: ${balance}.`,
};

export function createAccountPayment({ api, customer, runDialog, dialogError, keepOpen, showMessage }) {
  const dialog = document.getElementById("dlg-account");
  const slot = (name) => dialog.querySelector(`[data-slot="${name}"]`);
  const amount = dialog.querySelector("#account-amount");
  const method = dialog.querySelector("#account-method");
  const credit = dialog.querySelector("#account-credit");

  async function open() {
    const who = await customer.pickForAccount(TEXT.who);
    if (!who) return;
    slot("name").textContent = who.name;
    slot("rut").textContent = who.rut_display;
    const balance = who.balance_clp;
    slot("debt").textContent = balance > 0 ? TEXT.debt(T.formatCLP(balance)) : balance < 0 ? TEXT.credit(T.formatCLP(-balance)) : TEXT.noDebt;
    amount.value = balance > 0 ? String(balance) : "";
    method.value = "efectivo";
    credit.checked = false;
    const entry = await runDialog(dialog, {
      onOpen: () => amount.select(),
      onSubmit: async () => {
        const typed = N.parseAmountClp(amount.value, { field: TEXT.amountField, positive: true });
        if (typed.error) {
          dialogError(dialog, typed.message);
          amount.select();
          return keepOpen;
        }
        try {
          return (
            await api.request("POST", `/customers/${who.id}/payments`, {
              amount_clp: typed.value,
              method: method.value,
              credit_balance: credit.checked,
            })
          ).data;
        } catch (error) {
          dialogError(dialog, error.message);
          return keepOpen;
        }
      },
    });
    if (!entry) return;
    customer.accountChanged(entry.customer);
    showMessage(TEXT.done(T.formatCLP(-entry.amount_clp), entry.customer.name, T.formatCLP(entry.balance_after_clp)), "ok");
  }

  return { open };
}
