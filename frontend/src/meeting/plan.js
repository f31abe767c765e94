// The timetable page, for the administrator: the day's settings, and moving slots (earlier or
// later in their room, to another room, at an imposed time). Each change is saved with the version
// of the plan the page shows, then the page is drawn again by the server.
import { send } from "../data/api.js";

const settingsForm = document.getElementById("day-settings");
const message = document.getElementById("plan-message");
const campaignId = settingsForm.dataset.campaign;
const version = Number(settingsForm.dataset.version);
const FOCUS_KEY = `qualiparc-plan-focus-${campaignId}`;

function say(text) {
  message.textContent = text;
  message.hidden = !text;
}

/** Save `changes`, then reload, the keyboard focus back on the control `focus` names
 * (`{commune, bailleur, move}`) when there is one. */
async function save(changes, focus) {
  say("");
  try {
    await send("PATCH", `/api/campaigns/${campaignId}/day`, {
      json: { expected_version: version, ...changes },
    });
  } catch (error) {
    say(error.message);
    return;
  }
  if (focus) sessionStorage.setItem(FOCUS_KEY, JSON.stringify(focus));
  window.location.reload();
}

/** Every slot as it stands on the page, room by room in their order. */
function slots() {
  return [...document.querySelectorAll("[data-slot]")].map((node) => ({
    node,
    commune: node.dataset.commune,
    bailleur: node.dataset.bailleur,
    room: Number(node.dataset.room),
    fixed_start: node.dataset.fixedStart || null,
  }));
}

function plan(list) {
  return list.map(({ commune, bailleur, room, fixed_start }) => ({
    commune,
    bailleur,
    room,
    fixed_start,
  }));
}

function moveSlot(button) {
  const list = slots();
  const index = list.findIndex((slot) => slot.node.contains(button));
  const slot = list[index];
  const action = button.dataset.move;
  if (action === "apply") {
    const room = slot.node.querySelector("[data-field=room]");
    const fixed = slot.node.querySelector("[data-field=fixed_start]");
    list.splice(index, 1);
    const moved = { ...slot, room: Number(room?.value ?? slot.room), fixed_start: fixed.value || null };
    // A slot moved to another room goes to its end; in its room it keeps its place.
    const at = moved.room === slot.room ? index : list.length;
    list.splice(at, 0, moved);
    save({ slots: plan(list) }, { ...moved, move: action });
    return;
  }
  const sameRoom = list.filter((other) => other.room === slot.room);
  const rank = sameRoom.indexOf(slot);
  const target = sameRoom[action === "up" ? rank - 1 : rank + 1];
  if (!target) return;
  const other = list.indexOf(target);
  [list[index], list[other]] = [list[other], list[index]];
  save({ slots: plan(list) }, { ...slot, move: action });
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-move]");
  if (button) moveSlot(button);
  const remove = event.target.closest("button[data-remove-break]");
  if (remove) {
    remove.closest("li").remove();
    document.getElementById("add-break").focus();
  }
});

document.getElementById("add-break").addEventListener("click", () => {
  const row = document.getElementById("break-row").content.firstElementChild.cloneNode(true);
  document.getElementById("breaks").append(row);
  row.querySelector("input").focus();
});

settingsForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(settingsForm);
  const starts = form.getAll("break_start");
  const minutes = form.getAll("break_minutes");
  save(
    {
      day_date: form.get("day_date") || null,
      start: form.get("start"),
      minutes_per_residence: Number(form.get("minutes_per_residence")),
      minutes_per_session: Number(form.get("minutes_per_session")),
      rooms: Number(form.get("rooms")),
      breaks: starts.map((start, index) => ({ start, minutes: Number(minutes[index]) })),
    },
    null,
  );
});

const kept = JSON.parse(sessionStorage.getItem(FOCUS_KEY) ?? "null");
if (kept) {
  sessionStorage.removeItem(FOCUS_KEY);
  const node = slots().find((slot) => slot.commune === kept.commune && slot.bailleur === kept.bailleur)
    ?.node;
  const controls = [`[data-move=${kept.move}]`, "[data-move=up]", "[data-move=down]"];
  const control = controls.map((selector) => node?.querySelector(selector)).find((b) => b && !b.disabled);
  control?.focus();
}
