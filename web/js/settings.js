// The settings view: the stored LOX24 keys (masked only) to activate, verify, remove or
// add, and the pane's own defaults for the sender ID and the country of national numbers.

import { api } from "./api.js";
import { byId, el, button } from "./dom.js";
import { t, formatDateTime, formatMoney, countryName } from "./i18n.js";
import { mountKeyForm } from "./keyform.js";
import { prefs } from "./prefs.js";
import { announce, announceFailure } from "./status.js";

/** Countries offered for national numbers; the bridge knows every other one too. */
const COUNTRIES = [
  "DE", "AT", "CH", "LI", "LU", "NL", "BE", "FR", "IT", "ES", "PL", "CZ", "DK", "GB", "US",
];

let changed = () => {};

/**
 * Wires the view. `keysChanged` runs after a key was added, activated, verified or
 * removed; `countryChanged` after the default country changed.
 * @param {{keysChanged: () => void, countryChanged: () => void}} hooks
 */
export function initSettings(hooks) {
  changed = hooks.keysChanged;
  byId("key-add-open").addEventListener("click", () => openAddForm());

  const sender = byId("default-sender");
  sender.addEventListener("change", () => {
    prefs.setSender(sender.value);
    announce("success", t("settings.saved"));
  });

  const country = byId("default-country");
  country.addEventListener("change", () => {
    prefs.setCountry(country.value);
    announce("success", t("settings.saved"));
    hooks.countryChanged();
  });
}

/** Fills the defaults (after the language is known) and loads the keys. */
export async function showSettings() {
  byId("default-sender").value = prefs.sender();
  const country = byId("default-country");
  const options = [el("option", { text: t("settings.country_bridge"), attrs: { value: "" } })];
  for (const code of COUNTRIES) {
    options.push(el("option", { text: `${countryName(code)} (${code})`, attrs: { value: code } }));
  }
  country.replaceChildren(...options);
  country.value = prefs.country();
  await loadKeys();
}

/** Opens the form that adds a key, e.g. from a warning's action. */
export function openAddForm() {
  const slot = byId("settings-form-slot");
  if (slot.hidden) {
    mountKeyForm(slot, "settings-key", added);
    slot.hidden = false;
  }
  slot.querySelector("input").focus();
}

async function added(result) {
  byId("settings-form-slot").hidden = true;
  announce("success", t("settings.key_added", { masked: result.key.masked }));
  await loadKeys();
  changed();
}

async function loadKeys() {
  try {
    const { keys } = await api.keys();
    byId("key-list").replaceChildren(...keys.map(keyItem));
  } catch (failure) {
    announceFailure(failure);
  }
}

function keyItem(key) {
  const facts = [t(`key_state.${key.state}`)];
  if (key.verified_at) {
    facts.push(t("settings.verified_at", { when: formatDateTime(key.verified_at) }));
  }
  if (key.account) {
    const balance = formatMoney(key.account.balance, key.account.currency);
    facts.push(t("settings.balance", { balance }));
  }
  const title = key.active ? t("settings.active_key", { label: key.label }) : key.label;
  const children = [
    el("p", { className: "strong", text: title }),
    el("p", { className: "mono", text: `${key.client_id}:${key.masked}` }),
    el("p", { className: "hint", text: facts.join(" · ") }),
  ];
  if (key.origin === "account-password") {
    children.push(el("p", { text: t("settings.legacy_key") }));
  }
  const actions = el("div", { className: "actions" });
  if (!key.active) {
    actions.append(keyButton("settings.use", key, useKey));
  }
  actions.append(keyButton("settings.verify", key, verifyKey));
  actions.append(removeButton(key));
  children.push(actions);
  return el("li", { attrs: { "data-key": key.id } }, children);
}

function keyButton(labelKey, key, run) {
  const control = button(t(labelKey), () => run(key, control));
  control.setAttribute("aria-label", `${t(labelKey)}: ${key.label}`);
  return control;
}

/** Remove asks once more in place: the first click arms it, the second removes. */
function removeButton(key) {
  const control = keyButton("settings.remove", key, (k, self) => {
    if (self.dataset.armed) {
      return removeKey(k, self);
    }
    self.dataset.armed = "yes";
    self.textContent = t("settings.remove_confirm");
    return undefined;
  });
  return control;
}

async function keyAction(control, call, success) {
  control.disabled = true;
  try {
    const answer = await call();
    announce("success", success(answer));
    await loadKeys();
    changed();
  } catch (failure) {
    announceFailure(failure);
    control.disabled = false;
  }
}

function useKey(key, control) {
  return keyAction(
    control,
    () => api.useKey(key.id),
    (answer) => {
      const legacy = answer.legacy_keys_to_remove.map((k) => k.label).join(", ");
      return legacy === ""
        ? t("settings.now_active", { label: key.label })
        : t("settings.now_active_remove_legacy", { label: key.label, legacy });
    },
  );
}

function verifyKey(key, control) {
  return keyAction(
    control,
    () => api.verifyKey(key.id),
    () => t("settings.verified", { label: key.label }),
  );
}

function removeKey(key, control) {
  return keyAction(
    control,
    () => api.removeKey(key.id),
    () => t("settings.removed", { label: key.label }),
  );
}
