// Data tables on a narrow screen: WCAG 1.4.10 lets a two-dimensional table scroll within itself
// rather than reflow. Every table of the page (but the map's) sits in a `.table-scroll` box,
// focusable while it scrolls.
import { scrollable } from "./scrollable.js";

const main = document.getElementById("main");

function label(table) {
  const caption = table.caption?.textContent.trim();
  const heading = table.closest("section")?.querySelector("h2, h3")?.textContent.trim();
  const name = caption || heading;
  return `Tableau${name ? ` : ${name}` : ""} (défilement horizontal)`;
}

function enclose(table) {
  if (table.closest(".leaflet-container")) return;
  let box = table.parentElement;
  if (!box.classList.contains("table-scroll")) {
    box = document.createElement("div");
    box.className = "table-scroll";
    table.replaceWith(box);
    box.append(table);
  }
  scrollable(box, () => label(table));
}

function encloseAll() {
  main.querySelectorAll("table").forEach(enclose);
}

if (main) {
  encloseAll();
  new MutationObserver(encloseAll).observe(main, { childList: true, subtree: true });
}
