// The meeting map: the residence under discussion with its two grades, its QPV and its neighbours.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { fetchCommunes, fetchEpci, fetchQpv, fetchResidences } from "../data/api.js";
import { Territory, createMap, onlineTileLayer } from "../rendering/map.js";
import { qpvLayers } from "../rendering/qpv.js";
import { ResidenceLayer } from "../rendering/residences.js";
import { textOn } from "./grades.js";
import { MEETING } from "./strings.js";

const FOCUS_ZOOM = 15;
const FOCUS_PANE = "meeting-focus";
const QPV_FOCUS_STYLE = { weight: 5, fillOpacity: 0.28 };

function gradeChip(legend, grade, caption) {
  const entry = legend.get(grade ?? null) ?? legend.get(null);
  const item = document.createElement("span");
  item.className = "focus-pair__item";
  const chip = document.createElement("span");
  chip.className = "focus-pair__grade";
  chip.textContent = grade ?? "–";
  chip.style.backgroundColor = entry.colour;
  chip.style.color = textOn(entry.colour);
  const text = document.createElement("span");
  text.className = "focus-pair__caption";
  text.textContent = caption;
  item.append(chip, text);
  return item;
}

export class MeetingMap {
  /**
   * `legendEntries`: the campaign's legend as the API sends it, `legend` the same by grade;
   * `meta`: /api/meta (optional online tiles); `campaign`: the queue's campaign.
   */
  constructor(element, { meta, legend, legendEntries, campaign, bounds }) {
    this.legend = legend;
    this.campaign = campaign;
    this.map = createMap(element, { bounds });
    this.map.createPane(FOCUS_PANE).style.zIndex = 650;
    onlineTileLayer(meta)?.addTo(this.map);
    this.neighbours = new ResidenceLayer(this.map, legendEntries);
    this.qpv = [];
    this.focusLayer = L.layerGroup().addTo(this.map);
  }

  /** Fetch the outlines, QPV and the residences of the EPCI (their agreed grade) and draw them. */
  async load() {
    const [communes, epci, qpv, residences] = await Promise.all([
      fetchCommunes(this.campaign.epci),
      fetchEpci(),
      fetchQpv(),
      fetchResidences(new URLSearchParams({ campaign: this.campaign.id, epci: this.campaign.epci })),
    ]);
    const territory = new Territory(communes, epci);
    territory.layer.addTo(this.map);
    territory.select({ epci: this.campaign.epci });
    this.qpv = qpvLayers(qpv).map(({ layer }) => layer.addTo(this.map));
    this.neighbours.setFeatures(residences.features);
  }

  /** Centre on `residence`: a ring, its commune and landlord grades side by side, its QPV. */
  focus(residence) {
    this.focusLayer.clearLayers();
    for (const layer of this.qpv) {
      layer.eachLayer((path) => {
        layer.resetStyle(path);
        if (path.feature.properties.code === residence?.qpv_code) {
          path.setStyle(QPV_FOCUS_STYLE);
          path.bringToFront();
        }
      });
    }
    if (!residence) return;
    const at = L.latLng(residence.lat, residence.lon);
    const options = { pane: FOCUS_PANE, interactive: false, fill: false };
    L.circleMarker(at, { ...options, radius: 21, color: "#ffffff", weight: 9 }).addTo(this.focusLayer);
    L.circleMarker(at, { ...options, radius: 21, color: "#111827", weight: 4 }).addTo(this.focusLayer);
    const pair = document.createElement("div");
    pair.className = "focus-pair";
    const name = document.createElement("span");
    name.className = "focus-pair__name";
    name.textContent = residence.name;
    const grades = document.createElement("span");
    grades.className = "focus-pair__grades";
    grades.append(
      gradeChip(this.legend, residence.commune_grade, MEETING.sideCommune),
      gradeChip(this.legend, residence.bailleur_grade, MEETING.sideBailleur),
    );
    if (residence.harmonised) {
      const agreed = gradeChip(this.legend, residence.harmonised_grade, MEETING.sideAgreed);
      agreed.classList.add("focus-pair__item--agreed");
      grades.append(agreed);
    }
    pair.append(name, grades);
    L.marker(at, {
      pane: FOCUS_PANE,
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: "focus-pair-icon", html: pair, iconSize: null, iconAnchor: [0, 0] }),
    }).addTo(this.focusLayer);
    this.map.setView(at, Math.max(this.map.getZoom(), FOCUS_ZOOM), { animate: false });
  }

  /** The facilitator's view: its centre and zoom. */
  show({ lat, lon, zoom }) {
    this.map.setView([lat, lon], zoom, { animate: false });
  }

  /** Recolour a neighbour after a decision (its agreed grade). */
  recolour(code, agreed) {
    this.neighbours.setGrade(code, agreed ?? null);
  }
}
