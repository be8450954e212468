// The form that adds a LOX24 key (first run and Settings): client id, key or combined
// token or account password, label. The bridge verifies the key with LOX24 before it
// stores it; the form forgets what was typed as soon as the key is stored.

import { api } from "./api.js";
import { byId, markInvalid } from "./dom.js";
import { t, translate } from "./i18n.js";
import { announce, announceFailure } from "./status.js";

/** Request fields the bridge may name, and the form control for each. */
const FIELD_CONTROLS = { key: "key", client_id: "client-id", label: "label" };

/**
 * Puts a new key form into `slot`. Ids get `prefix` so two forms can exist at once.
 * @param {HTMLElement} slot
 * @param {string} prefix
 * @param {(added: {key: object, notes: string[]}) => void} onAdded
 */
export function mountKeyForm(slot, prefix, onAdded) {
  const template = /** @type {HTMLTemplateElement} */ (byId("key-form-template"));
  const form = /** @type {HTMLFormElement} */ (template.content.firstElementChild.cloneNode(true));
  for (const control of form.querySelectorAll("[data-name]")) {
    control.id = `${prefix}-${control.dataset.name}`;
  }
  for (const label of form.querySelectorAll("label[data-for]")) {
    label.htmlFor = `${prefix}-${label.dataset.for}`;
  }
  translate(form);
  slot.replaceChildren(form);

  const control = (name) => form.querySelector(`[data-name="${name}"]`);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(form, control, onAdded);
  });
  return form;
}

async function submit(form, control, onAdded) {
  const key = control("key");
  const clientId = control("client-id");
  const isPassword = control("is-password");
  const label = control("label");
  for (const name of Object.values(FIELD_CONTROLS)) {
    markInvalid(control(name), false);
  }
  control("password-hint").classList.remove("strong");

  if (key.value.trim() === "") {
    markInvalid(key, true);
    announce("error", t("setup.key_missing"));
    key.focus();
    return;
  }

  const entry = { key: key.value.trim(), is_password: isPassword.checked };
  if (clientId.value.trim() !== "") {
    entry.client_id = clientId.value.trim();
  }
  if (label.value.trim() !== "") {
    entry.label = label.value.trim();
  }

  const submitButton = form.querySelector('button[type="submit"]');
  submitButton.disabled = true;
  announce("info", t("setup.checking"));
  try {
    const added = await api.addKey(entry);
    form.reset();
    onAdded(added);
  } catch (failure) {
    announceFailure(failure);
    const invalid = control(FIELD_CONTROLS[failure.field] ?? "");
    markInvalid(invalid, Boolean(invalid));
    if (failure.hint === "account_password") {
      control("password-hint").classList.add("strong");
      isPassword.focus();
    } else {
      (invalid ?? key).focus();
    }
  } finally {
    submitButton.disabled = false;
  }
}
