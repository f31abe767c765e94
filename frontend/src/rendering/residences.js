// Residences as canvas circle markers coloured by grade (hollow when the grade is hidden from the
// caller), sized mildly by their dwellings.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { entryClass, residenceClass } from "../data/filters.js";
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

const MARKER = { color: "#ffffff", weight: 1, fillOpacity: 0.9 };
const HOLLOW = { weight: 2, fillOpacity: 1 };

/**
 * Stroke and fill of a marker of the legend class `entry`: its colour with a white rim, or hollow
 * (white fill, dark outline) when the class has an outline, that of a grade hidden from the caller.
 */
export function markerStyle(entry) {
  if (entry?.outline) return { ...HOLLOW, color: entry.outline, fillColor: entry.colour };
  return { ...MARKER, fillColor: entry?.colour };
}

/**
 * The residence layer of a map. `legend` is the server's legend (`/api/meta`): the colours come
 * from there only, and its order is the drawing order reversed (no grade at the bottom, the most
 * fragile on top). `hiddenReason` tells in the popups why a hidden grade is not shown.
 */
export class ResidenceLayer {
  constructor(map, legend, { hiddenReason } = {}) {
    this.map = map;
    this.hiddenReason = hiddenReason;
    /** Null, or an async `code → properties` for markers that carry only the code, grade and
     * dwellings (drawn from vector tiles): the popup then asks the API for the residence. */
    this.details = null;
    this.legendByKey = new Map(legend.map((entry) => [entryClass(entry), entry]));
    this.rank = new Map([...this.legendByKey.keys()].map((key, index) => [key, -index]));
    this.group = L.featureGroup().addTo(map);
    this.byCode = new Map();
    this.factor = zoomFactor(map.getZoom());
    this.group.on("click", (event) =>
      Promise.resolve(this.openPopupOf(event.layer)).catch(() => this.map.closePopup()),
    );
    map.on("zoomend", () => this.resize());
  }

  /** Replace the markers by those of `features` (GeoJSON Points). */
  setFeatures(features) {
    this.map.closePopup();
    this.group.clearLayers();
    this.byCode.clear();
    const rank = (feature) => this.rank.get(residenceClass(feature.properties)) ?? -Infinity;
    const sorted = [...features].sort((a, b) => rank(a) - rank(b));
    for (const feature of sorted) {
      const [lon, lat] = feature.geometry.coordinates;
      const { properties } = feature;
      const marker = L.circleMarker([lat, lon], {
        radius: radiusFor(properties.nb_logements) * this.factor,
        ...markerStyle(this.legendByKey.get(residenceClass(properties))),
      });
      marker.feature = feature;
      this.group.addLayer(marker);
      this.byCode.set(properties.code, marker);
    }
  }

  /** Show the residence `code` with the visible `grade` (null: no agreed grade) just decided. */
  setGrade(code, grade) {
    const marker = this.byCode.get(code);
    if (!marker) return;
    Object.assign(marker.feature.properties, {
      grade,
      grade_status: grade === null ? "none" : "visible",
      grade_label: null,
    });
    marker.setStyle(markerStyle(this.legendByKey.get(residenceClass(marker.feature.properties))));
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

  /** Open the popup of `marker`: its element, or a promise of it when the residence's details
   * come from the API. */
  openPopupOf(marker) {
    if (this.details) {
      return this.details(marker.feature.properties.code).then((properties) =>
        this.showPopup(marker, properties),
      );
    }
    return this.showPopup(marker, marker.feature.properties);
  }

  showPopup(marker, properties) {
    const content = residencePopup(properties, this.legendByKey, {
      hiddenReason: this.hiddenReason,
    });
    L.popup({ maxWidth: 380, minWidth: 260 })
      .setLatLng(marker.getLatLng())
      .setContent(content)
      .openOn(this.map);
    return content;
  }

  /** Open the popup of the residence `code`; returns its element (or a promise of it), or null
   * if it is not shown. */
  openPopup(code) {
    const marker = this.byCode.get(code);
    return marker ? this.openPopupOf(marker) : null;
  }
}
