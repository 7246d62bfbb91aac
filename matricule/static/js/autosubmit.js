// Sends the student on to the payment site without a click (the button remains for no-JS).
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
