// Residences as canvas circle markers coloured by grade, sized mildly by their dwellings.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { gradeKey } from "../data/filters.js";
import { residencePopup } from "../ui/popup.js";

const MIN_RADIUS = 3;
const MAX_RADIUS = 12;

/** Radius in pixels: grows with the square root of the dwellings, capped to stay readable. */
export function radiusFor(nbLogements) {
  return Math.min(MAX_RADIUS, MIN_RADIUS + 0.4 * Math.sqrt(Math.max(0, nbLogements ?? 0)));
}

/** Smaller markers on the regional view, where thousands of them overlap. */
function zoomFactor(zoom) {
  if (zoom < 9.5) return 0.6;
  if (zoom < 11) return 0.8;
  return 1;
}

/** Drawing order: ungraded first, then the most fragile last so that it shows on top. */
function drawRank(grade) {
  return grade === null || grade === undefined ? -Infinity : -grade;
}

/**
 * The residence layer of a map. `legend` is the server's legend (`/api/meta`): the colours come
 * from there only.
 */
export class ResidenceLayer {
  /** `gradesHidden`: the caller is anonymous, so a missing grade is hidden, not absent. */
  constructor(map, legend, { gradesHidden = false } = {}) {
    this.map = map;
    this.gradesHidden = gradesHidden;
    this.legendByKey = new Map(legend.map((entry) => [gradeKey(entry.grade), entry]));
    this.group = L.featureGroup().addTo(map);
    this.byCode = new Map();
    this.factor = zoomFactor(map.getZoom());
    this.group.on("click", (event) => this.openPopupOf(event.layer));
    map.on("zoomend", () => this.resize());
  }

  /** Replace the markers by those of `features` (GeoJSON Points). */
  setFeatures(features) {
    this.map.closePopup();
    this.group.clearLayers();
    this.byCode.clear();
    const sorted = [...features].sort(
      (a, b) => drawRank(a.properties.grade) - drawRank(b.properties.grade),
    );
    for (const feature of sorted) {
      const [lon, lat] = feature.geometry.coordinates;
      const { properties } = feature;
      const marker = L.circleMarker([lat, lon], {
        radius: radiusFor(properties.nb_logements) * this.factor,
        color: "#ffffff",
        weight: 1,
        fillColor: this.legendByKey.get(gradeKey(properties.grade))?.colour,
        fillOpacity: 0.9,
      });
      marker.feature = feature;
      this.group.addLayer(marker);
      this.byCode.set(properties.code, marker);
    }
  }

  /** Resize the markers when the zoom crosses a size step (a full redraw, so only then). */
  resize() {
    const factor = zoomFactor(this.map.getZoom());
    if (factor === this.factor) return;
    this.factor = factor;
    this.group.eachLayer((marker) =>
      marker.setRadius(radiusFor(marker.feature.properties.nb_logements) * factor),
    );
  }

  get count() {
    return this.byCode.size;
  }

  /** Properties of the residences shown. */
  properties() {
    return [...this.byCode.values()].map((marker) => marker.feature.properties);
  }

  /** Bounds of the residences shown, or null when there are none. */
  bounds() {
    return this.byCode.size ? this.group.getBounds() : null;
  }

  openPopupOf(marker) {
    const content = residencePopup(marker.feature.properties, this.legendByKey, {
      gradesHidden: this.gradesHidden,
    });
    L.popup({ maxWidth: 380, minWidth: 260 })
      .setLatLng(marker.getLatLng())
      .setContent(content)
      .openOn(this.map);
    return content;
  }

  /** Open the popup of the residence `code`; returns its element, or null if it is not shown. */
  openPopup(code) {
    const marker = this.byCode.get(code);
    return marker ? this.openPopupOf(marker) : null;
  }
}
