// Residences for elected officials: fragile ones (grades 1–2) large and outlined, others faint,
// hidden grades hollow as on the main map.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { entryClass, residenceClass } from "../data/filters.js";
import { markerStyle, radiusFor } from "../rendering/residences.js";
import { residencePopup } from "../ui/popup.js";

export const FRAGILE_GRADES = new Set([1, 2]);

const isFragile = (grade) => FRAGILE_GRADES.has(grade);

function style(properties, entry) {
  if (isFragile(properties.grade)) {
    return {
      radius: radiusFor(properties.nb_logements) + 3,
      color: "#1f2937",
      weight: 1.5,
      fillColor: entry?.colour,
      fillOpacity: 0.95,
    };
  }
  const radius = Math.max(3, radiusFor(properties.nb_logements) - 1);
  if (entry?.outline) return { radius, ...markerStyle(entry) };
  return { radius, color: "#ffffff", weight: 0.8, fillColor: entry?.colour, fillOpacity: 0.5 };
}

/** The residence layer of the élu map; `legend` is the campaign's legend (class → colour). */
export class FragileLayer {
  constructor(map, legend) {
    this.map = map;
    this.legendByKey = new Map(legend.map((entry) => [entryClass(entry), entry]));
    this.group = L.featureGroup();
    this.features = [];
    this.group.on("click", (event) => this.openPopupOf(event.layer));
  }

  /** Draw `features`, fragile residences last so that they stay on top. */
  setFeatures(features) {
    this.group.clearLayers();
    this.features = [...features].sort(
      (a, b) => Number(isFragile(a.properties.grade)) - Number(isFragile(b.properties.grade)),
    );
    for (const feature of this.features) {
      const [lon, lat] = feature.geometry.coordinates;
      const entry = this.legendByKey.get(residenceClass(feature.properties));
      const marker = L.circleMarker([lat, lon], style(feature.properties, entry));
      marker.feature = feature;
      this.group.addLayer(marker);
    }
  }

  codes() {
    return this.features.map((feature) => feature.properties.code);
  }

  fragileCount() {
    return this.features.filter((feature) => isFragile(feature.properties.grade)).length;
  }

  openPopupOf(marker) {
    L.popup({ maxWidth: 380, minWidth: 260 })
      .setLatLng(marker.getLatLng())
      .setContent(residencePopup(marker.feature.properties, this.legendByKey))
      .openOn(this.map);
  }
}
