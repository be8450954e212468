// Small DOM builders: every text goes in through textContent, so no string is ever
// parsed as HTML. Nothing here knows about the pane's views.

/**
 * The element with this id; the pane's HTML defines every id the scripts use.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  return document.getElementById(id);
}

/**
 * A new element with a class, a text and attributes, and the given children.
 * @param {string} tag
 * @param {{className?: string, text?: string, attrs?: Record<string, string>}} options
 * @param {Node[]} children
 * @returns {HTMLElement}
 */
export function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) {
    node.className = options.className;
  }
  if (options.text !== undefined) {
    node.textContent = options.text;
  }
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/**
 * A button that calls `onClick`.
 * @param {string} label
 * @param {() => void} onClick
 * @param {string} [className]
 * @returns {HTMLButtonElement}
 */
export function button(label, onClick, className) {
  const node = el("button", { className, text: label, attrs: { type: "button" } });
  node.addEventListener("click", onClick);
  return node;
}

/**
 * Marks a control invalid (or valid again) for sighted and screen-reader users.
 * @param {HTMLElement | null} control
 * @param {boolean} invalid
 */
export function markInvalid(control, invalid) {
  if (!control) {
    return;
  }
  if (invalid) {
    control.setAttribute("aria-invalid", "true");
  } else {
    control.removeAttribute("aria-invalid");
  }
}
