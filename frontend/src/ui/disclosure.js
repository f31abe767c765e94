// Disclosure buttons (WAI-ARIA pattern): a button shows or hides the panel it controls. On a phone
// the panels start folded, so that filters and legends leave the map and the content their room.
export const PHONE = window.matchMedia("(max-width: 760px)");

let count = 0;

/**
 * Wire `button` to show and hide `panel` (folded at first on a phone, open elsewhere). With
 * `phoneOnly`, the button only shows on a phone (CSS `.fold--phone`) and the panel opens again
 * when the screen grows. Returns `setOpen(open)`.
 */
export function disclosure(button, panel, { phoneOnly = false } = {}) {
  if (!panel.id) panel.id = `fold-${++count}`;
  button.setAttribute("aria-controls", panel.id);
  button.classList.toggle("fold--phone", phoneOnly);
  const setOpen = (open) => {
    button.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
  };
  button.hidden = false;
  button.addEventListener("click", () => setOpen(panel.hidden));
  if (phoneOnly) PHONE.addEventListener("change", (event) => event.matches || setOpen(true));
  setOpen(!PHONE.matches);
  return setOpen;
}

const folds = new Map();

/**
 * Put a disclosure button named `label` at the top of a map control, folding `body`. On a phone,
 * opening one control of a map folds the others, so that they never cover one another.
 */
export function foldControl(container, body, label) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "map-fold";
  button.textContent = label;
  container.prepend(button);
  const setOpen = disclosure(button, body, { phoneOnly: true });
  folds.set(button, setOpen);
  button.addEventListener("click", () => {
    if (!PHONE.matches || body.hidden) return;
    const map = container.closest(".leaflet-container");
    for (const [other, close] of folds) {
      if (other !== button && other.isConnected && map?.contains(other)) close(false);
    }
  });
  return setOpen;
}
