// Facilitator mode. The facilitator's screen publishes the residence and map view it shows; the
// screens that follow the facilitator (the wall's, and any participant's who chooses to) move with
// it, as the live stream tells them (each reads the focus within its own rights). Anyone may stop
// following and come back; the choice is kept for the browser tab.
import { getJSON, send } from "../data/api.js";
import { MEETING } from "./strings.js";

const PUBLISH_DELAY_MS = 80;

export class Follow {
  /**
   * `onFocus(focus)`: move the screen to the facilitator's focus; `onChange()`: following or
   * facilitating changed (to refresh the controls).
   */
  constructor({ campaignId, room, canFacilitate, onFocus, onChange }) {
    this.campaignId = campaignId;
    this.room = room;
    this.canFacilitate = canFacilitate;
    this.onFocus = onFocus;
    this.onChange = onChange;
    this.storage = `qualiparc-follow-${campaignId}`;
    const kept = JSON.parse(sessionStorage.getItem(this.storage) ?? "{}");
    this.following = kept.following ?? true;
    this.facilitating = Boolean(canFacilitate && kept.facilitating);
    if (this.facilitating) this.following = false;
    this.focus = null;
    this.timer = null;
    this.pending = null;
    this.published = null;
  }

  get url() {
    return `/api/campaigns/${this.campaignId}/day/focus`;
  }

  keep() {
    const state = { following: this.following, facilitating: this.facilitating };
    sessionStorage.setItem(this.storage, JSON.stringify(state));
    this.onChange();
  }

  /** Read the room's focus again (at start, after a reconnection) and follow it if need be. */
  async refresh() {
    this.receive(await getJSON(this.url, { room: this.room }), { force: true });
  }

  /** A focus from the stream or a read; an older one (lower `seq`) is ignored. */
  receive(focus, { force = false } = {}) {
    if (focus.room !== this.room) return;
    if (!force && this.focus && focus.seq < this.focus.seq) return;
    this.focus = focus;
    if (this.following && focus.active) this.onFocus(focus);
    this.onChange();
  }

  setFollowing(on) {
    this.following = on;
    if (on) this.facilitating = false;
    this.keep();
    if (on && this.focus?.active) this.onFocus(this.focus);
  }

  /** Start or stop facilitating; stopping clears the room's focus (followers stay where they are). */
  setFacilitating(on, current) {
    if (!this.canFacilitate) return;
    this.facilitating = on;
    if (on) this.following = false;
    this.keep();
    if (on) this.publish(current);
    else send("PUT", this.url, { json: { room: this.room } }).catch(() => {});
  }

  /** The facilitator shows what `current()` returns ({residence_code, view}): tell the
   * followers, soon (one request for a burst of moves). */
  publish(current) {
    if (!this.facilitating) return;
    this.pending = current;
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const body = { room: this.room, ...this.pending() };
      const same = JSON.stringify(body) === this.published;
      if (same) return;
      this.published = JSON.stringify(body);
      send("PUT", this.url, { json: body }).then(
        (focus) => this.receive(focus),
        () => {
          this.published = null;
        },
      );
    }, PUBLISH_DELAY_MS);
  }

  /** What the status line says. */
  status() {
    if (this.facilitating) return MEETING.facilitating(this.room);
    if (!this.following) return MEETING.notFollowing;
    if (this.focus?.hidden) return MEETING.followingHidden;
    return MEETING.following(this.room);
  }
}
