// Text for Leaflet's tooltips and popups: a string given to them is read as HTML, a node is not.

/** A node showing `text` as text, for `bindTooltip`, `bindPopup` and `setContent`. */
export function asText(text) {
  const node = document.createElement("span");
  node.textContent = text ?? "";
  return node;
}
