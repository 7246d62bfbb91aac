// The registration's step form and the documents' upload forms, sent by htmx: the page that
// answers replaces the whole body without a page load (step.html, documents/student.html). What a page load would tell a screen reader is told here:
// the focus goes to the form's error summary, else to the new page's main heading. htmx itself
// updates the <title> and pushes the address.
(() => {
  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target !== document.body) return; // an autosave's status line
    const target =
      document.querySelector("main .error-summary[tabindex]") ||
      document.querySelector("main [data-swap-focus]") ||
      document.querySelector("main h1");
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
  });

  // An answer htmx does not swap (refused token 403, too large 413, server error 5xx): the form
  // is sent again without htmx, with the button pressed, so that the student sees what a page
  // load would show rather than nothing; what was typed goes with it.
  let submitter = null;
  document.addEventListener("submit", (event) => (submitter = event.submitter), true);
  document.addEventListener("htmx:responseError", (event) => {
    const form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.matches(".step-form, [data-swap-form]")) return;
    if (submitter && submitter.form === form && submitter.name) {
      const pressed = document.createElement("input");
      pressed.type = "hidden";
      pressed.name = submitter.name;
      pressed.value = submitter.value;
      form.append(pressed);
    }
    form.submit(); // no submit event: htmx lets this one go
  });

  // Back or Forward to a step: htmx keeps no copy of these pages (hx-history="false", the
  // student's data stays out of the browser's storage), so the page is loaded again, as without
  // JavaScript, with what was saved since.
  document.addEventListener("htmx:historyCacheMiss", (event) => {
    event.preventDefault();
    window.location.reload();
  });
})();
