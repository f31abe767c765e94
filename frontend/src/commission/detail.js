// The chosen residence for the commission: facts, agreed grade and its history, target population
// type, the stance of each applicant category, the effect of one allocation on the year's legal
// rates, the decisions recorded and the forms that record them. Text only, never HTML.
import { getJSON } from "../data/api.js";
import { el, showMessage } from "../campaigns/dom.js";
import { C, frenchDate } from "./strings.js";

function swatch(colour, outline = null) {
  const node = el("span", { className: "swatch" });
  node.style.backgroundColor = colour ?? "transparent";
  if (outline) node.style.border = `2px solid ${outline}`;
  return node;
}

function gradeText(entry) {
  if (entry.grade_status === "visible") return `${entry.grade} · ${entry.grade_label}`;
  return entry.grade_status === "hidden" ? C.gradeUnknown : C.noGrade;
}

function facts(v) {
  const rows = [
    [C.facts.commune, v.commune_name],
    [C.facts.bailleur, v.bailleur],
    [C.facts.dwellings, String(v.nb_logements)],
    [C.facts.vacancy, v.vacancy ? C.vacant(v.vacancy.dwellings, frenchDate(v.vacancy.declared_on)) : C.noVacancy],
    [C.facts.qpv, v.qpv_code ? C.insideQpv(v.location_label, v.qpv_name) : v.location_label],
    [C.facts.grade, gradeText(v)],
    [C.facts.peuplement, v.peuplement_label ?? "–", v.peuplement_colour],
    [C.facts.rebalancing, v.rebalancing_label ?? "–"],
  ];
  return el(
    "dl",
    { className: "commission-facts" },
    ...rows.flatMap(([term, value, colour]) => [
      el("dt", {}, term),
      el("dd", {}, colour ? swatch(colour) : null, value),
    ]),
  );
}

function table(caption, columns, rows) {
  return el(
    "div",
    { className: "table-scroll" },
    el(
      "table",
      { className: "commission-table" },
      el("caption", {}, caption),
      el("thead", {}, el("tr", {}, ...columns.map((c) => el("th", { scope: "col" }, c)))),
      el("tbody", {}, ...rows),
    ),
  );
}

function history(v) {
  const rows = v.history.map((h) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, h.campaign),
      el("td", {}, h.status_label),
      el(
        "td",
        {},
        swatch(h.grade_colour, h.grade_status === "hidden" ? "#4d4d4d" : null),
        gradeText(h) + (h.harmonised ? C.harmonised : ""),
      ),
    ),
  );
  const events = el("details", { className: "commission-events" }, el("summary", {}, C.eventsTitle));
  events.addEventListener(
    "toggle",
    async () => {
      const found = await getJSON(`/api/residences/${encodeURIComponent(v.code)}/history`);
      const items = found.events.map((e) =>
        el("li", {}, `${e.campaign} · ${frenchDate(e.at.slice(0, 10))} · ${e.kind} : ${e.before ?? "–"} → ${e.after ?? "–"} (${e.actor ?? "?"})`),
      );
      events.append(items.length ? el("ul", {}, ...items) : el("p", {}, C.eventsNone));
    },
    { once: true },
  );
  return el("section", {}, table(C.historyTitle, C.historyColumns, rows), events);
}

function orientation(v) {
  const rows = v.orientations.map((o) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, o.label),
      el("td", {}, el("span", { className: `stance stance--${o.stance ?? "unknown"}` }, o.stance_label)),
      el("td", {}, o.reasons.join(" ; ")),
    ),
  );
  return table(C.orientationTitle, C.orientationColumns, rows);
}

function effects(v) {
  const section = el(
    "section",
    { className: "commission-effects" },
    el("h3", {}, C.effectsTitle(v.year)),
    el("p", { className: "hint" }, C.effectsHelp),
  );
  for (const effect of v.effects) {
    const items = effect.units.map((u) =>
      el(
        "li",
        { className: u.direction < 0 ? "effect effect--closer" : u.direction > 0 ? "effect effect--further" : "effect" },
        el("strong", {}, `${C.unit(u.level_label, u.name)} : `),
        u.phrase,
        u.cia_rate ? C.ciaRate(u.target_label) : "",
      ),
    );
    section.append(el("h4", {}, effect.label), el("ul", { className: "effect-list" }, ...items));
  }
  return section;
}

function decisions(v, { config, actions }, message) {
  const items = v.decisions.map((d) => {
    const shown = { ...d, decided_on_label: frenchDate(d.decided_on) };
    const item = el("li", {}, C.decision(shown));
    if (v.may_manage) {
      const cancel = el("button", { type: "button", className: "button button--small" }, C.cancel);
      cancel.setAttribute("aria-label", C.cancelLabel(shown));
      cancel.addEventListener("click", async () => {
        try {
          await actions.cancel(v.code, d.id);
        } catch (error) {
          showMessage(message, error.message);
        }
      });
      item.append(" ", cancel);
    }
    return item;
  });
  const section = el(
    "section",
    {},
    el("h3", {}, C.decisionsTitle),
    items.length ? el("ul", { className: "decision-list" }, ...items) : el("p", {}, C.decisionsNone),
  );
  if (v.may_manage) section.append(decisionForm(v, config, actions, message));
  return section;
}

function decisionForm(v, config, actions, message) {
  const quartiles = el("fieldset", {}, el("legend", {}, C.quartile));
  config.quartile_categories.forEach((code, index) => {
    const input = el("input", { type: "radio", name: "category", value: code, id: `decision-${code}` });
    input.checked = index === 0;
    quartiles.append(el("label", { className: "choice", htmlFor: input.id }, input, C.quartiles[code]));
  });
  const priority = el("input", { type: "checkbox", name: "priority", id: "decision-priority" });
  const day = el("input", { type: "date", name: "decided_on", id: "decision-date", required: true, max: config.today });
  day.value = config.today;
  const form = el(
    "form",
    { className: "campaign-form commission-form", id: "decision-form" },
    el("h4", {}, C.decisionForm),
    quartiles,
    el("label", { className: "choice", htmlFor: priority.id }, priority, C.priority),
    el("label", { htmlFor: day.id }, C.decidedOn),
    day,
    el("button", { type: "submit", className: "button button--primary" }, C.record),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await actions.decide(v.code, {
        category: form.category.value,
        priority: priority.checked,
        decided_on: day.value,
      });
    } catch (error) {
      showMessage(message, error.message);
    }
  });
  return form;
}

function vacancyForm(v, config, actions, message) {
  const count = el("input", { type: "number", name: "dwellings", id: "vacancy-count", min: 0, max: 10000, required: true, inputMode: "numeric" });
  count.value = String(v.vacancy?.dwellings ?? 1);
  const day = el("input", { type: "date", name: "declared_on", id: "vacancy-date", required: true });
  day.value = v.vacancy?.declared_on ?? config.today;
  const form = el(
    "form",
    { className: "campaign-form commission-form", id: "vacancy-form" },
    el("h4", {}, C.vacancyForm),
    el("label", { htmlFor: count.id }, C.vacancyCount),
    count,
    el("label", { htmlFor: day.id }, C.vacancyDate),
    day,
    el("button", { type: "submit", className: "button" }, C.saveVacancy),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await actions.vacancy(v.code, { dwellings: Number(count.value), declared_on: day.value });
    } catch (error) {
      showMessage(message, error.message);
    }
  });
  return form;
}

/** Render the commission's view `v` of a residence into `container`, with an optional `notice`
 * (what the last write did). */
export function renderDetail(container, v, { config, actions, notice = null }) {
  const message = el("p", { className: "message", role: "alert", hidden: true });
  if (notice) showMessage(message, notice, "ok");
  const title = el("h2", { tabIndex: -1, className: "commission-detail__title" }, `${v.name} (${v.code})`);
  container.replaceChildren(
    title,
    v.is_demo ? el("p", { className: "hint" }, C.demo.trim()) : null,
    message,
    facts(v),
    orientation(v),
    effects(v),
    history(v),
    decisions(v, { config, actions }, message),
    v.may_manage ? vacancyForm(v, config, actions, message) : el("p", { className: "hint" }, C.readOnly),
  );
}

/** The rows an import refused, as a table. */
export function renderReport(container, errors) {
  const rows = errors.map((e) =>
    el("tr", {}, ...[e.line ?? "", e.column ?? "", e.value ?? "", e.message].map((value) => el("td", {}, String(value)))),
  );
  container.replaceChildren(table(C.reportTitle, C.reportColumns, rows));
}
