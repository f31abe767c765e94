// The peuplement cible layer: residences coloured by target population type, filtered by type.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { countOf } from "../i18n.js";
import { radiusFor } from "../rendering/residences.js";
import { Q } from "./strings.js";

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The popup of a residence of the layer: its type, where it stands, its rebalancing need. */
export function peuplementPopup(p, descriptions) {
  const root = element("article", undefined, "residence-popup");
  root.dataset.code = p.code;
  root.append(element("h2", p.name, "residence-popup__name"));
  const facts = element("dl", undefined, "residence-popup__facts");
  const row = (term, value) => facts.append(element("dt", term), element("dd", value));
  row("Code", p.code);
  row("Bailleur", p.bailleur);
  row("Commune", p.commune_name);
  row(Q.location, p.qpv_name ? `${p.location_label} (${p.qpv_name})` : p.location_label);
  root.append(facts);
  root.append(element("p", countOf(p.nb_logements, "logement", "logements")));
  if (!p.peuplement) {
    root.append(element("p", Q.ungraded));
    return root;
  }
  const type = element("p", undefined, "residence-popup__grade");
  const swatch = element("span", undefined, "swatch");
  swatch.style.backgroundColor = p.peuplement_colour;
  type.append(swatch, element("span", `${p.peuplement_label} (note ${p.grade})`));
  root.append(type);
  const description = descriptions.get(p.peuplement);
  if (description) root.append(element("p", description));
  root.append(element("p", `${Q.need} : ${p.rebalancing_label}`));
  if (p.rebalancing_reasons?.length) {
    const list = element("ul");
    for (const reason of p.rebalancing_reasons) list.append(element("li", reason));
    root.append(list);
  }
  return root;
}

/** Residences with a peuplement cible as circle markers; `show(types)` filters them. */
export class PeuplementLayer {
  constructor(map, descriptions) {
    this.map = map;
    this.descriptions = descriptions;
    this.group = L.featureGroup();
    this.markers = [];
    this.group.on("click", (event) => {
      const { properties } = event.layer.feature;
      L.popup({ maxWidth: 380, minWidth: 260 })
        .setLatLng(event.layer.getLatLng())
        .setContent(peuplementPopup(properties, this.descriptions))
        .openOn(this.map);
    });
  }

  /** Replace the residences by the typed ones of `collection`; returns how many have a type. */
  setFeatures(collection) {
    this.markers = collection.features
      .filter((feature) => feature.properties.peuplement)
      .map((feature) => {
        const [lon, lat] = feature.geometry.coordinates;
        const marker = L.circleMarker([lat, lon], {
          radius: radiusFor(feature.properties.nb_logements),
          color: "#ffffff",
          weight: 1,
          fillColor: feature.properties.peuplement_colour,
          fillOpacity: 0.95,
        });
        marker.feature = feature;
        return marker;
      });
    return this.markers.length;
  }

  /** Show only the residences whose type is in `types` (a Set of codes); returns the count. */
  show(types) {
    this.group.clearLayers();
    let shown = 0;
    for (const marker of this.markers) {
      if (types.has(marker.feature.properties.peuplement)) {
        this.group.addLayer(marker);
        shown += 1;
      }
    }
    return shown;
  }
}
