// What the back office's pages ask for in data- attributes. The Content-Security-Policy
// runs no inline script (no onclick=, no hx-on), so the behaviour lives here, delegated
// from the document so rows htmx swaps in get it too.
//   data-print                 a button that prints the page
//   data-submit-on-change      a select whose change submits its form
//   data-enter="keep"          Enter does not submit the form (a scanner's Enter)
//   data-enter="change"        ... and fires "change" instead (fetches the row again)
//   data-after-request="clear" after its htmx request: emptied and focused again
//   data-after-request="reset" after a successful htmx request: form reset, first field focused
//   data-confirm="question"    a form that asks before it is submitted

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-submit-on-change]");
  if (field && field.form) field.form.submit();
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  const field = event.target.closest("[data-enter]");
  if (!field) return;
  event.preventDefault();
  if (field.dataset.enter === "change") field.dispatchEvent(new Event("change", { bubbles: true }));
});

document.addEventListener("htmx:afterRequest", (event) => {
  const element = event.target;
  const action = element.dataset ? element.dataset.afterRequest : undefined;
  if (action === "clear") {
    element.value = "";
    element.focus();
  } else if (action === "reset" && event.detail.successful) {
    element.reset();
    const first = element.querySelector("input:not([type=hidden])");
    if (first) first.focus();
  }
});
