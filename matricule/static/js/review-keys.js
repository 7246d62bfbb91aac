// The review screen's single-key shortcuts. WCAG 2.1.4: they can be turned off (the checkbox,
// remembered in this browser) and never act while the focus is in a field. Each one clicks a
// button or follows a link of the page: without JavaScript, or with them off, the page works the
// same with clicks and Tab.
(() => {
  const STORAGE = "matricule.review-keys";
  const toggle = document.getElementById("review-keys-on");
  if (!toggle) return;
  try {
    toggle.checked = localStorage.getItem(STORAGE) !== "off";
  } catch (error) {
    // Storage refused (private mode): the shortcuts stay on for this page.
  }
  toggle.addEventListener("change", () => {
    try {
      localStorage.setItem(STORAGE, toggle.checked ? "on" : "off");
    } catch (error) {
      // Not remembered; the choice holds for this page.
    }
  });

  const current = () => document.querySelector("#review-documents [data-current]");
  const inField = (element) =>
    element !== toggle &&
    (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));

  document.addEventListener("keydown", (event) => {
    if (!toggle.checked || event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
    const reasons = event.target.closest ? event.target.closest("[data-key=reasons]") : null;
    if (reasons && event.key === "Enter" && reasons.value) {
      // Enter on the list of reasons (where R leads) refuses with the reason chosen.
      event.preventDefault();
      reasons.form.querySelector("[data-key=refuse]").click();
      return;
    }
    if (inField(event.target)) return;
    const key = event.key.toLowerCase();
    const next = document.getElementById("next-file");
    if (key === "n" && next) {
      event.preventDefault();
      next.click();
      return;
    }
    const section = current();
    if (!section) return;
    const select = section.querySelector("[data-key=reasons]");
    if (key === "v") {
      event.preventDefault();
      section.querySelector("[data-key=validate]").click();
    } else if (key === "r") {
      event.preventDefault();
      select.focus();
    } else if (/^[1-9]$/.test(key) && select.options[Number(key)]) {
      // options[0] is "Choose a reason": 1 is the first reason listed.
      event.preventDefault();
      select.value = select.options[Number(key)].value;
      section.querySelector("[data-key=refuse]").click();
    }
  });

  // A decision swaps the file's documents in: the next one waiting gets the focus (its heading,
  // read out with its status), else the next file, else the progress line.
  document.body.addEventListener("htmx:afterSettle", () => {
    const section = current();
    const target =
      (section && section.querySelector("h2")) ||
      document.getElementById("next-file") ||
      document.getElementById("review-progress");
    if (target) target.focus();
  });
})();
