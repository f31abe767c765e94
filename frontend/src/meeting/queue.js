// The queue of divergent residences: where the meeting stands, changed by decisions and events.

const pairOf = (residence) => `${residence.commune_insee}|${residence.bailleur}`;

/** The residences in meeting order (as the server sends them), a position, and their sessions. */
export class MeetingQueue {
  constructor(residences) {
    this.index = 0;
    this.setResidences(residences);
  }

  /** Replace the residences (a fresh fetch), staying on the same residence when it is still there. */
  setResidences(residences) {
    const code = this.current?.code;
    this.residences = residences;
    this.byCode = new Map(residences.map((residence) => [residence.code, residence]));
    let session = 0;
    let previous = null;
    for (const residence of residences) {
      if (pairOf(residence) !== previous) session += 1;
      previous = pairOf(residence);
      residence.session = session;
    }
    const kept = residences.findIndex((residence) => residence.code === code);
    this.index = kept >= 0 ? kept : Math.min(this.index, Math.max(0, residences.length - 1));
  }

  get current() {
    return this.residences?.[this.index] ?? null;
  }

  get total() {
    return this.residences.length;
  }

  get harmonisedCount() {
    return this.residences.filter((residence) => residence.harmonised).length;
  }

  /** Whether `residence` opens a new commune × landlord session in the queue. */
  startsSession(position) {
    return position === 0 || this.residences[position - 1].session !== this.residences[position].session;
  }

  go(index) {
    if (this.total === 0) return false;
    const target = Math.max(0, Math.min(this.total - 1, index));
    const moved = target !== this.index;
    this.index = target;
    return moved;
  }

  goTo(code) {
    const position = this.residences.findIndex((residence) => residence.code === code);
    return position >= 0 && this.go(position);
  }

  /** The first residence still to harmonise after the current one (wrapping), else the current. */
  nextPending(from = this.index) {
    for (let step = 1; step <= this.total; step += 1) {
      const position = (from + step) % this.total;
      if (!this.residences[position].harmonised) return position;
    }
    return from;
  }

  firstPending() {
    const position = this.residences.findIndex((residence) => !residence.harmonised);
    return position >= 0 ? position : 0;
  }

  /**
   * Apply the grades of a residence as they now stand (`{commune, bailleur, harmonised,
   * version}`) and what came with the decision (history event `eventId`); older news is
   * ignored. Returns the residence when it is in the queue, else null.
   */
  apply(code, grades, decision = {}, eventId = Infinity) {
    const residence = this.byCode.get(code);
    if (!residence || grades.version < residence.harmonisation_version) return null;
    if (eventId < (residence.eventId ?? 0)) decision = {};
    else if (Number.isFinite(eventId)) residence.eventId = eventId;
    residence.commune_grade = grades.commune ?? residence.commune_grade;
    residence.bailleur_grade = grades.bailleur ?? residence.bailleur_grade;
    residence.harmonised_grade = grades.harmonised;
    residence.harmonisation_version = grades.version;
    residence.harmonised = grades.harmonised !== null && grades.harmonised !== undefined;
    for (const key of ["rationale", "decided_by", "decided_at"]) {
      if (key in decision) residence[key] = decision[key];
    }
    return residence;
  }
}
