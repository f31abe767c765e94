// Small inline SVG charts (no library): horizontal bars, stacked shares, and a share bar.
import { el } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const LABEL_WIDTH = 210;
const VALUE_WIDTH = 70;
const ROW = 26;
const BAR = 17;

function svg(tag, attributes = {}, text = undefined) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function shorten(text, length = 30) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function frame(title, rowCount) {
  const height = rowCount * ROW + 8;
  const root = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`,
    class: "chart__svg",
    role: "img",
    "aria-label": title,
  });
  root.append(svg("title", {}, title));
  return root;
}

function rowLabel(root, index, text) {
  const label = svg("text", { x: LABEL_WIDTH - 8, y: index * ROW + BAR - 3, class: "chart__label" });
  label.textContent = shorten(text);
  label.append(svg("title", {}, text));
  root.append(label);
}

/**
 * A figure with a title, one bar per row: `rows` of `{label, value}` (value 0–`max` or null),
 * `format(value)` for the figure at the end of the bar, `colour` for the bars.
 */
export function barChart(title, rows, { max = 100, format = String, colour = "#1d4ed8" } = {}) {
  const root = frame(title, rows.length);
  const span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  rows.forEach(({ label, value, colour: own }, index) => {
    rowLabel(root, index, label);
    const width = value === null ? 0 : (span * Math.min(value, max)) / max;
    root.append(
      svg("rect", { x: LABEL_WIDTH, y: index * ROW + 2, width: span, height: BAR, class: "chart__track" }),
      svg("rect", { x: LABEL_WIDTH, y: index * ROW + 2, width, height: BAR, fill: own ?? colour }),
      svg("text", { x: LABEL_WIDTH + span + 6, y: index * ROW + BAR - 3, class: "chart__value" }, format(value)),
    );
  });
  return chartFigure(title, root);
}

/**
 * Stacked shares per row: `rows` of `{label, parts: [n…], total}`, `segments` of `{label,
 * colour}` in the order of `parts`; the figure at the end is `format(row)`.
 */
export function stackedChart(title, rows, segments, { format = () => "" } = {}) {
  const root = frame(title, rows.length);
  const span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  rows.forEach((row, index) => {
    rowLabel(root, index, row.label);
    let x = LABEL_WIDTH;
    row.parts.forEach((part, i) => {
      const width = row.total ? (span * part) / row.total : 0;
      const rect = svg("rect", { x, y: index * ROW + 2, width, height: BAR, fill: segments[i].colour });
      rect.append(svg("title", {}, `${row.label} · ${segments[i].label} : ${part}`));
      root.append(rect);
      x += width;
    });
    root.append(svg("text", { x: LABEL_WIDTH + span + 6, y: index * ROW + BAR - 3, class: "chart__value" }, format(row)));
  });
  const legend = el(
    "ul",
    { className: "chart__legend" },
    ...segments.map(({ label, colour }) => {
      const swatch = el("span", { className: "chart__swatch" });
      swatch.style.backgroundColor = colour;
      return el("li", {}, swatch, label);
    }),
  );
  return chartFigure(title, root, legend);
}

/** A share bar (0–100) with an optional reference mark, e.g. the MEL's 70 % coverage. */
export function shareBar(value, { reference = null, referenceLabel = "" } = {}) {
  const root = svg("svg", { viewBox: "0 0 200 14", class: "share-bar", "aria-hidden": "true" });
  root.append(
    svg("rect", { x: 0, y: 2, width: 200, height: 10, class: "chart__track" }),
    svg("rect", { x: 0, y: 2, width: 2 * Math.min(value ?? 0, 100), height: 10, class: "share-bar__fill" }),
  );
  if (reference !== null) {
    const mark = svg("rect", { x: 2 * reference - 1, y: 0, width: 2, height: 14, class: "share-bar__mark" });
    mark.append(svg("title", {}, referenceLabel));
    root.append(mark);
  }
  return root;
}

/** A chart's figure: it scrolls when long, so it takes the keyboard focus (WCAG 2.1.1). */
function chartFigure(title, ...content) {
  return el("figure", { className: "chart", tabIndex: 0 }, el("figcaption", {}, title), ...content);
}
