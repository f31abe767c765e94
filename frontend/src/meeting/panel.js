// The residence under discussion (both grades side by side) and the queue with its progress.
import { MEETING } from "./strings.js";
import { paint } from "./grades.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function qpvText(residence) {
  if (residence.qpv_code) return MEETING.insideQpv(residence.qpv_name, residence.qpv_code);
  return residence.near_qpv_300m ? MEETING.near300m : MEETING.outsideQpv;
}

function formatDate(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat("fr-FR", { dateStyle: "short", timeStyle: "short" }).format(
    new Date(iso),
  );
}

function fillCard(card, legend, grade, emptyText) {
  const entry = paint(card, legend, grade);
  card.querySelector(".grade-card__value").textContent = grade ?? "–";
  card.querySelector(".grade-card__label").textContent = grade === null ? emptyText : entry.label;
  card.dataset.grade = grade ?? "";
}

/** Show the queue's current residence (or say that the queue is empty) in the panel `nodes`. */
export function renderCurrent(nodes, legend, queue) {
  const residence = queue.current;
  nodes.current.hidden = !residence;
  if (!residence) {
    nodes.message.textContent = MEETING.emptyQueue;
    nodes.message.hidden = false;
    return;
  }
  nodes.current.dataset.code = residence.code;
  nodes.session.textContent = `${MEETING.position(queue.index + 1, queue.total)} · ${MEETING.session(
    residence.commune_name,
    residence.bailleur,
  )}`;
  nodes.name.textContent = `${residence.name} (${residence.code})`;
  nodes.facts.textContent = `${MEETING.dwellings(residence.nb_logements)} · ${MEETING.gap(residence.gap)}`;
  nodes.qpv.textContent = qpvText(residence);
  fillCard(nodes.commune, legend, residence.commune_grade, "");
  fillCard(nodes.bailleur, legend, residence.bailleur_grade, "");
  fillCard(nodes.agreed, legend, residence.harmonised_grade, MEETING.notYet);
  nodes.decided.textContent = residence.harmonised
    ? MEETING.decided(residence.decided_by, formatDate(residence.decided_at), residence.rationale)
    : "";
}

/** "38 / 612 harmonisées" and the bar. */
export function renderProgress(nodes, queue) {
  const done = queue.harmonisedCount;
  nodes.progressText.textContent = MEETING.progress(done, queue.total);
  nodes.progressBar.style.width = `${queue.total ? (100 * done) / queue.total : 0}%`;
}

function badge(legend, grade, className) {
  const node = element("span", `queue__grade ${className}`, grade ?? "–");
  paint(node, legend, grade);
  return node;
}

/** Fill an item of the queue list with the state of `residence`. */
export function renderItem(item, legend, residence) {
  const button = element("button", "queue__button");
  button.type = "button";
  button.dataset.code = residence.code;
  const text = element("span", "queue__text");
  text.append(element("span", "queue__name", residence.name), element("span", "queue__code", residence.code));
  const grades = element("span", "queue__grades");
  grades.append(badge(legend, residence.commune_grade, "queue__grade--side"));
  grades.append(badge(legend, residence.bailleur_grade, "queue__grade--side"));
  const outcome = element(
    "span",
    "queue__outcome",
    residence.harmonised ? MEETING.harmonisedMark(residence.harmonised_grade) : "",
  );
  if (residence.harmonised) paint(outcome, legend, residence.harmonised_grade);
  button.append(text, grades, outcome);
  item.replaceChildren(button);
  item.dataset.code = residence.code;
  item.dataset.harmonised = residence.harmonised ? String(residence.harmonised_grade) : "";
  item.dataset.version = String(residence.harmonisation_version);
}

/** The whole list, with a heading for each commune × landlord session; returns items by code. */
export function renderQueue(list, legend, queue) {
  const items = new Map();
  const nodes = [];
  queue.residences.forEach((residence, position) => {
    if (queue.startsSession(position)) {
      const heading = element(
        "li",
        "queue__session",
        MEETING.session(residence.commune_name, residence.bailleur),
      );
      heading.setAttribute("aria-hidden", "true");
      nodes.push(heading);
    }
    const item = element("li", "queue__item");
    renderItem(item, legend, residence);
    items.set(residence.code, item);
    nodes.push(item);
  });
  list.replaceChildren(...nodes);
  return items;
}

/** Mark the current item and scroll the queue (only the queue) to show it. */
export function markCurrent(list, items, code) {
  for (const [key, item] of items) {
    if (key === code) item.setAttribute("aria-current", "true");
    else item.removeAttribute("aria-current");
  }
  const item = items.get(code);
  if (!item) return;
  const heading = list.querySelector(".queue__session")?.offsetHeight ?? 0;
  const top = item.offsetTop - heading;
  const bottom = item.offsetTop + item.offsetHeight;
  if (top < list.scrollTop) list.scrollTop = top;
  else if (bottom > list.scrollTop + list.clientHeight) list.scrollTop = bottom - list.clientHeight;
}
