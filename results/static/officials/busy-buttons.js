// A form whose answer takes seconds (a PDF made in the request in embedded mode, a chip file
// checked or stored) says so at once: the button pressed reads its data-busy text beside a
// spinner, the form is aria-busy, and its buttons are disabled so a second tap asks nothing
// more. The form submits as it would without this script; the script only shows the wait.
"use strict";

const busyForms = document.querySelectorAll("form[data-busy-form]");

busyForms.forEach((form) => {
  form.addEventListener("submit", (event) => {
    const pressed = event.submitter;
    if (pressed && pressed.name) {
      // A disabled button is not sent: its name and value go in a hidden field instead.
      const sent = document.createElement("input");
      sent.type = "hidden";
      sent.name = pressed.name;
      sent.value = pressed.value;
      sent.dataset.busySent = "";
      form.append(sent);
    }
    form.setAttribute("aria-busy", "true");
    form.querySelectorAll("button").forEach((button) => {
      button.disabled = true;
    });
    if (pressed && pressed.dataset.busy) {
      pressed.dataset.idle = pressed.textContent;
      pressed.classList.add("busy");
      pressed.textContent = pressed.dataset.busy;
    }
  });
});

// Back to this page from the browser's history, as it was left: the buttons work again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  busyForms.forEach((form) => {
    form.removeAttribute("aria-busy");
    form.querySelectorAll("[data-busy-sent]").forEach((sent) => sent.remove());
    form.querySelectorAll("button").forEach((button) => {
      button.disabled = false;
      button.classList.remove("busy");
      if (button.dataset.idle) button.textContent = button.dataset.idle;
    });
  });
});
