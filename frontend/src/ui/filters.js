// The filters panel: EPCI, commune (narrowed by the EPCI), landlord, grade classes, QPV situation.
import { STRINGS } from "../i18n.js";
import { emptyFilters, entryClass, filterKeys } from "../data/filters.js";
import { legendLabel, paintSwatch } from "../rendering/legend.js";

function create(tag, attributes = {}, text = undefined) {
  const node = Object.assign(document.createElement(tag), attributes);
  if (text !== undefined) node.textContent = text;
  return node;
}

function labelledSelect(id, label) {
  const field = create("div", { className: "field" });
  const select = create("select", { id, name: id.replace("filter-", "") });
  field.append(create("label", { htmlFor: id }, label), select);
  return { field, select };
}

function fillOptions(select, blankLabel, options, selected) {
  select.replaceChildren(
    create("option", { value: "" }, blankLabel),
    ...options.map(({ value, label }) => create("option", { value }, label)),
  );
  select.value = options.some((option) => option.value === selected) ? selected : "";
}

/** French alphabetical order of labels (one collator: `localeCompare` makes one a call;
 * created when first needed: the first one of a page costs Chromium 15 to 30 ms). */
let frenchOrder = null;
const byName = (a, b) => (frenchOrder ??= new Intl.Collator("fr")).compare(a.label, b.label);

/** `select` filled with `options` in French order, or, `lazy`, with `selected` only. */
function fillList(select, blankLabel, options, selected, lazy) {
  if (lazy) {
    fillOptions(select, blankLabel, options.filter((option) => option.value === selected), selected);
  } else {
    fillOptions(select, blankLabel, [...options].sort(byName), selected);
  }
}

/**
 * Builds the filter form inside `container` from `/api/meta`, shows `filters`, and calls
 * `onChange(filters)` each time the user changes one of them.
 */
export class FiltersPanel {
  constructor(container, meta, filters, onChange) {
    this.meta = meta;
    this.gradeKeys = filterKeys(meta.legend);
    this.onChange = onChange;

    const form = create("form", { className: "filters", noValidate: true });
    form.setAttribute("aria-label", STRINGS.filtersTitle);
    form.addEventListener("submit", (event) => event.preventDefault());
    form.append(create("h2", { className: "panel__title" }, STRINGS.filtersTitle));

    const epci = labelledSelect("filter-epci", STRINGS.filterEpci);
    const commune = labelledSelect("filter-commune", STRINGS.filterCommune);
    const bailleur = labelledSelect("filter-bailleur", STRINGS.filterBailleur);
    this.epci = epci.select;
    this.commune = commune.select;
    this.bailleur = bailleur.select;
    this.epciOptions = meta.epci.map((e) => ({ value: e.siren, label: e.name }));
    this.bailleurOptions = meta.bailleurs.map((b) => ({ value: String(b.id), label: b.name }));
    form.append(epci.field, commune.field, bailleur.field);
    form.append(this.gradeFieldset(), this.qpvFieldset());

    const reset = create("button", { type: "button", className: "button" }, STRINGS.resetFilters);
    reset.addEventListener("click", () => {
      this.show(emptyFilters(this.gradeKeys));
      this.changed();
    });
    form.append(reset);

    this.epci.addEventListener("change", () => {
      this.fillCommunes(this.commune.value);
      this.changed();
    });
    for (const select of [this.commune, this.bailleur]) {
      select.addEventListener("change", () => this.changed());
    }
    // The lists are completed before anyone can read or open one.
    for (const select of [this.epci, this.commune, this.bailleur]) {
      for (const type of ["focus", "pointerdown", "mousedown", "keydown"]) {
        select.addEventListener(type, () => this.completeLists());
      }
    }
    container.replaceChildren(form);
    this.show(filters, { lazy: true });
  }

  gradeFieldset() {
    const fieldset = create("fieldset", { className: "field field--choices" });
    fieldset.append(create("legend", {}, STRINGS.filterGrade));
    this.gradeBoxes = this.meta.legend.map((entry) => {
      const key = entryClass(entry);
      const box = create("input", {
        type: "checkbox",
        name: "grade",
        value: key,
        id: `filter-grade-${key}`,
      });
      box.addEventListener("change", () => this.changed());
      const swatch = paintSwatch(create("span", { className: "swatch" }), entry);
      const label = create("label", { htmlFor: box.id, className: "choice" });
      label.append(box, swatch, create("span", {}, legendLabel(entry)));
      fieldset.append(label);
      return box;
    });
    return fieldset;
  }

  qpvFieldset() {
    const fieldset = create("fieldset", { className: "field field--choices" });
    fieldset.append(create("legend", {}, STRINGS.filterQpv));
    const choices = [
      ["", STRINGS.qpvAll],
      ["true", STRINGS.qpvInside],
      ["false", STRINGS.qpvOutside],
    ];
    this.qpvRadios = choices.map(([value, text]) => {
      const radio = create("input", {
        type: "radio",
        name: "in_qpv",
        value,
        id: `filter-qpv-${value || "all"}`,
      });
      radio.addEventListener("change", () => this.changed());
      const label = create("label", { htmlFor: radio.id, className: "choice" });
      label.append(radio, create("span", {}, text));
      fieldset.append(label);
      return radio;
    });
    return fieldset;
  }

  /** The communes of the selected EPCI (all of them without one), keeping `selected` if listed;
   * `lazy`: see `show`. */
  fillCommunes(selected, { lazy = false } = {}) {
    const epci = this.epci.value;
    const options = this.meta.communes
      .filter((c) => !epci || c.epci_siren === epci)
      .map((c) => ({ value: c.insee, label: c.name }));
    fillList(this.commune, STRINGS.allCommunes, options, selected, lazy);
  }

  /** Lists every EPCI, commune (of the EPCI chosen) and landlord, if `show` was lazy. */
  completeLists() {
    if (!this.listsPending) return;
    this.listsPending = false;
    fillList(this.epci, STRINGS.allEpci, this.epciOptions, this.epci.value, false);
    this.fillCommunes(this.commune.value);
    fillList(this.bailleur, STRINGS.allBailleurs, this.bailleurOptions, this.bailleur.value, false);
  }

  /**
   * Show `filters` in the form (values missing from the lists fall back to "all"). `lazy` lists
   * only the values chosen for now: the ~3,800 communes of the region took 50 to 150 ms of the
   * map's first load, and the French collator 15 to 30 ms; `completeLists` adds the others,
   * when a list gets the focus, a pointer or a key, or once the map is complete.
   */
  show(filters, { lazy = false } = {}) {
    this.listsPending = lazy;
    fillList(this.epci, STRINGS.allEpci, this.epciOptions, filters.epci, lazy);
    this.fillCommunes(filters.commune, { lazy });
    fillList(this.bailleur, STRINGS.allBailleurs, this.bailleurOptions, filters.bailleur, lazy);
    for (const box of this.gradeBoxes) box.checked = filters.grades.includes(box.value);
    for (const radio of this.qpvRadios) radio.checked = radio.value === filters.inQpv;
  }

  /** The filters as the form shows them. */
  get value() {
    return {
      epci: this.epci.value,
      commune: this.commune.value,
      bailleur: this.bailleur.value,
      grades: this.gradeBoxes.filter((box) => box.checked).map((box) => box.value),
      inQpv: this.qpvRadios.find((radio) => radio.checked)?.value ?? "",
    };
  }

  changed() {
    this.onChange(this.value);
  }
}
