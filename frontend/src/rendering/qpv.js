// QPV perimeters: official ones solid, demo ones dashed, each source a layer of its own.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { STRINGS } from "../i18n.js";
import { asText } from "../ui/text.js";

const BASE_STYLE = { color: "#5e2b97", fillColor: "#8e63c5", weight: 2.5, fillOpacity: 0.14 };

/** Style and layer-control label of each QPV source. */
export const QPV_SOURCES = {
  official: { label: STRINGS.layerQpvOfficial, style: BASE_STYLE },
  demo: {
    label: STRINGS.layerQpvDemo,
    style: { ...BASE_STYLE, weight: 2, dashArray: "7 5", fillOpacity: 0.08 },
  },
};

function tooltipText({ name, code, source }) {
  const text = STRINGS.qpvTooltip(name, code);
  return source === "demo" ? `${text} — ${STRINGS.demoData}` : text;
}

/**
 * One GeoJSON layer per QPV source present in `collection`: `[{source, label, layer}]`.
 * The layers keep below the residences whenever they are switched on.
 */
export function qpvLayers(collection) {
  const result = [];
  for (const [source, { label, style }] of Object.entries(QPV_SOURCES)) {
    const features = collection.features.filter((f) => f.properties.source === source);
    if (features.length === 0) continue;
    const layer = L.geoJSON(
      { type: "FeatureCollection", features },
      {
        style,
        onEachFeature: (feature, path) =>
          path.bindTooltip(asText(tooltipText(feature.properties)), {
            sticky: true,
            direction: "top",
          }),
      },
    );
    layer.on("add", () => layer.bringToBack());
    result.push({ source, label, layer });
  }
  return result;
}
