// The day's timetable as the screen reads it (/api/campaigns/{id}/day): the slots of a room, in
// their order, and the slot of a residence.

const keyOf = (item) => `${item.commune_insee}|${item.bailleur}`;

export class DayPlan {
  /** `body`: the /day answer; `room`: the room this screen shows. */
  constructor(body, room) {
    this.body = body;
    this.room = Math.min(Math.max(1, room), body.settings.rooms);
    this.slots = body.slots
      .filter((slot) => slot.room === this.room)
      .sort((a, b) => a.position - b.position);
    this.bySlotKey = new Map(this.slots.map((slot) => [keyOf(slot), slot]));
    /** Milliseconds to add to this computer's clock to read the server's. */
    this.clockOffset = Date.parse(body.server_now) - Date.now();
  }

  /** `residences` (in meeting order) arranged slot by slot as the room takes them. */
  arrange(residences) {
    const byKey = new Map();
    for (const residence of residences) {
      const key = keyOf(residence);
      if (!byKey.has(key)) byKey.set(key, []);
      byKey.get(key).push(residence);
    }
    return this.slots.flatMap((slot) => byKey.get(keyOf(slot)) ?? []);
  }

  slotOf(residence) {
    return residence ? (this.bySlotKey.get(keyOf(residence)) ?? null) : null;
  }

  /** The slot after `slot` in this room that still has something to decide. */
  next(slot) {
    const index = this.slots.indexOf(slot);
    return this.slots.slice(index + 1).find((other) => other.start !== null) ?? null;
  }

  sameSlot(slot, focus) {
    return Boolean(slot && focus?.commune_insee) && keyOf(slot) === keyOf(focus);
  }

  /** A "HH:MM" of the day as a time on the server's clock (today, local time). */
  static at(clock) {
    const [hours, minutes] = clock.split(":").map(Number);
    const moment = new Date();
    moment.setHours(hours, minutes, 0, 0);
    return moment.getTime();
  }

  now() {
    return Date.now() + this.clockOffset;
  }
}
