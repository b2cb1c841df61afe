// A form marked data-autosubmit is sent as soon as the page loads (the Webpay redirect);
// without JavaScript its <noscript> button does it.
for (const form of document.querySelectorAll("form[data-autosubmit]")) form.submit();
