// A legend control: classes with their counts of residences and dwellings, then plain symbols.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { entryClass } from "../data/filters.js";
import { STRINGS, formatInteger } from "../i18n.js";
import { foldControl } from "../ui/disclosure.js";
import { scrollable } from "../ui/scrollable.js";
import { QPV_SOURCES } from "./qpv.js";

function cell(tag, text, className) {
  const node = L.DomUtil.create(tag, className);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** "#rrggbb" and an opacity → "rgba(…)", to draw a translucent fill as the map does. */
function translucent(hex, opacity) {
  const [r, g, b] = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${opacity})`;
}

/** Paint a `.swatch` node as a class of the legend: its colour, hollow when it has an outline. */
export function paintSwatch(node, { colour, outline }) {
  node.style.backgroundColor = colour ?? "transparent";
  if (outline) node.style.border = `2px solid ${outline}`;
  return node;
}

/** A legend entry as shown: "1 · Vivre-ensemble très fragile", or the label of a status. */
export function legendLabel(entry) {
  return entry.grade === null || entry.grade === undefined
    ? entry.label
    : `${entry.grade} · ${entry.label}`;
}

/**
 * Options: `title`; `classes` as `[{key, label, colour, outline}]` (one counted row each, its
 * swatch hollow when it has an outline); `symbols` as `[{label, stroke, fill, fillOpacity,
 * dashed}]` (outlines drawn on the map, not counted).
 */
export const Legend = L.Control.extend({
  options: { position: "bottomright", title: "", classes: [], symbols: [] },

  onAdd() {
    const container = cell("section", undefined, "legend");
    container.setAttribute("aria-label", this.options.title);
    const folded = cell("div", undefined, "legend__body");
    const table = cell("table", undefined, "legend__table");
    table.append(cell("caption", this.options.title));
    const head = table.createTHead().insertRow();
    for (const text of ["", STRINGS.legendResidences, STRINGS.legendDwellings]) {
      head.append(Object.assign(cell("th", text), { scope: "col" }));
    }
    const body = table.createTBody();
    this._counts = new Map();
    for (const { key, label, colour, outline } of this.options.classes) {
      const row = body.insertRow();
      row.dataset.grade = key;
      const name = Object.assign(cell("th"), { scope: "row" });
      name.append(paintSwatch(cell("span", undefined, "swatch"), { colour, outline }));
      name.append(cell("span", label));
      const residences = cell("td", "–", "legend__count");
      const dwellings = cell("td", "–", "legend__count");
      row.append(name, residences, dwellings);
      this._counts.set(key, { residences, dwellings });
    }
    const foot = table.createTFoot().insertRow();
    foot.append(Object.assign(cell("th", STRINGS.legendTotal), { scope: "row" }));
    this._total = {
      residences: cell("td", "–", "legend__count"),
      dwellings: cell("td", "–", "legend__count"),
    };
    foot.append(this._total.residences, this._total.dwellings);
    folded.append(table);

    if (this.options.symbols.length) {
      const list = cell("ul", undefined, "legend__symbols");
      for (const { label, stroke, fill, fillOpacity = 1, dashed } of this.options.symbols) {
        const item = cell("li");
        const mark = cell("span", undefined, "swatch swatch--outline");
        Object.assign(mark.style, {
          borderColor: stroke,
          borderStyle: dashed ? "dashed" : "solid",
          backgroundColor: translucent(fill, fillOpacity),
        });
        item.append(mark, cell("span", label));
        list.append(item);
      }
      folded.append(list);
    }
    container.append(folded);
    foldControl(container, folded, STRINGS.legendFold);
    scrollable(folded, () => `${STRINGS.legendFold} : ${this.options.title}`);
    L.DomEvent.disableClickPropagation(container);
    L.DomEvent.disableScrollPropagation(container);
    return container;
  },

  /** Show `stats` as computed by `countByGrade`. */
  update({ byGrade, residences, dwellings }) {
    for (const [key, nodes] of this._counts) {
      const counts = byGrade.get(key) ?? { residences: 0, dwellings: 0 };
      nodes.residences.textContent = formatInteger(counts.residences);
      nodes.dwellings.textContent = formatInteger(counts.dwellings);
    }
    this._total.residences.textContent = formatInteger(residences);
    this._total.dwellings.textContent = formatInteger(dwellings);
  },
});

export const legend = (options) => new Legend(options);

/**
 * The options of the grade legend: the server's classes (`/api/meta` legend: grades, hidden
 * grades, no grade), then the QPV.
 */
export function gradeLegendOptions(legendEntries, qpvSources) {
  return {
    title: STRINGS.legendTitle,
    classes: legendEntries.map((entry) => ({
      key: entryClass(entry),
      label: legendLabel(entry),
      colour: entry.colour,
      outline: entry.outline,
    })),
    symbols: qpvSources
      .filter((source) => source in QPV_SOURCES)
      .map((source) => {
        const { label, style } = QPV_SOURCES[source];
        return {
          label,
          stroke: style.color,
          fill: style.fillColor,
          fillOpacity: style.fillOpacity,
          dashed: Boolean(style.dashArray),
        };
      }),
  };
}
