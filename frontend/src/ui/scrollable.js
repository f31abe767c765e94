// A box that scrolls its content (a wide table, a long legend on a phone) is reachable from the
// keyboard: while it does scroll, it is a focusable region named `label` (axe-core
// « scrollable-region-focusable », WCAG 2.1.1).
const watched = new WeakMap();

function update(box) {
  const scrolls =
    box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
  if (scrolls) {
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", watched.get(box)());
  } else {
    box.removeAttribute("tabindex");
    box.removeAttribute("role");
    box.removeAttribute("aria-label");
  }
}

const resized = new ResizeObserver((entries) => entries.forEach((entry) => update(entry.target)));

/** Keep `box` focusable while it scrolls; `label()` names it. */
export function scrollable(box, label) {
  if (!watched.has(box)) resized.observe(box);
  watched.set(box, label);
  update(box);
}
