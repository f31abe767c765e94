// The slot clock: the slot of the residence shown, the time spent in it since the facilitator
// opened it (or when it is planned), its progress, and what comes next in the room.
import { MEETING } from "./strings.js";

const pairOf = (item) => `${item.commune_insee}|${item.bailleur}`;

/** Fill the clock `nodes` for `residence` of `queue`, on the room's `plan`, with the room's
 * latest `focus` (its `slot_opened_at` times the slot). */
export function renderClock(nodes, { plan, queue, residence, focus }) {
  const slot = plan?.slotOf(residence);
  nodes.clock.hidden = !slot;
  if (!slot) return;
  nodes.clock.dataset.slot = String(slot.number);
  nodes.clockSlot.textContent = MEETING.slot(slot, plan.body.settings.rooms);
  const members = queue.residences.filter((other) => pairOf(other) === pairOf(slot));
  const done = members.filter((other) => other.harmonised).length;
  nodes.clockProgress.textContent = MEETING.slotProgress(done, members.length);
  nodes.clockBar.style.width = `${members.length ? (100 * done) / members.length : 0}%`;
  const next = plan.next(slot);
  nodes.clockNext.textContent = next ? MEETING.next(next) : MEETING.lastSlot;
  nodes.clock.dataset.overrun = "";
  if (slot.start === null) {
    nodes.clockElapsed.textContent = MEETING.slotDone;
    nodes.clockRemaining.textContent = "";
    return;
  }
  const opened = plan.sameSlot(slot, focus) ? Date.parse(focus.slot_opened_at ?? "") : NaN;
  if (Number.isNaN(opened)) {
    nodes.clockElapsed.textContent = MEETING.planned(slot);
    nodes.clockRemaining.textContent = "";
    return;
  }
  const elapsed = plan.now() - opened;
  const left = slot.duration_min * 60_000 - elapsed;
  nodes.clockElapsed.textContent = MEETING.elapsed(elapsed);
  nodes.clockRemaining.textContent = left >= 0 ? MEETING.remaining(left) : MEETING.overrun(-left);
  nodes.clock.dataset.overrun = left < 0 ? "true" : "";
}
