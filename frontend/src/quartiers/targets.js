// The allocation-targets table: who is under the legal floors, by how much, in allocations.
import { formatInteger } from "../i18n.js";
import { Q, formatShare } from "./strings.js";

function cell(row, text, { header = false, under = false } = {}) {
  const node = document.createElement(header ? "th" : "td");
  node.textContent = text;
  if (header) node.scope = "row";
  if (under) {
    node.classList.add("under");
    node.title = Q.underTarget;
  }
  row.append(node);
  return node;
}

/** The most missing allocations first, then by name. */
export function sortTargets(rows) {
  return [...rows].sort(
    (a, b) =>
      b.missing_outside + b.missing_inside - (a.missing_outside + a.missing_inside) ||
      a.name.localeCompare(b.name, "fr"),
  );
}

/** One sentence: how many units are under each floor and the allocations it means. */
export function targetsSummary(rows) {
  if (rows.length === 0) return Q.targetsNone;
  const underOutside = rows.filter((r) => r.under_target_outside);
  const underInside = rows.filter((r) => r.under_target_inside);
  const sum = (list, key) => list.reduce((total, r) => total + r[key], 0);
  return Q.targetsSummary(
    rows[0].year,
    underOutside.length,
    sum(underOutside, "missing_outside"),
    underInside.length,
    sum(underInside, "missing_inside"),
  );
}

/** Render `rows` of `/api/allocation-targets` as a table into `container`. */
export function renderTargets(container, rows) {
  container.replaceChildren();
  if (rows.length === 0) return;
  const table = document.createElement("table");
  table.className = "targets__table";
  const head = table.createTHead().insertRow();
  for (const title of Q.targetsColumns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = title;
    head.append(th);
  }
  const body = table.createTBody();
  for (const r of sortTargets(rows)) {
    const row = body.insertRow();
    row.dataset.code = r.code;
    const name = r.level === "bailleur" ? `${r.name} (${r.epci_name})` : r.name;
    cell(row, name, { header: true });
    cell(row, formatInteger(r.allocations_outside_qpv));
    const outside = formatShare(r.share_q1_or_pru_outside_qpv);
    cell(row, `${formatInteger(r.q1_or_pru_outside_qpv)} · ${outside}`, {
      under: r.under_target_outside,
    });
    cell(row, formatShare(r.target_outside));
    cell(row, formatInteger(r.missing_outside), { under: r.under_target_outside });
    cell(row, formatInteger(r.allocations_inside_qpv));
    const inside = formatShare(r.share_non_q1_inside_qpv);
    cell(row, `${formatInteger(r.non_q1_inside_qpv)} · ${inside}`, {
      under: r.under_target_inside,
    });
    cell(row, formatShare(r.target_inside));
    cell(row, formatInteger(r.missing_inside), { under: r.under_target_inside });
  }
  container.append(table);
}
