// The live harmonisation screen: queue, map, keyboard, decisions, and every screen kept in step
// through the campaign's event stream.
import { STRINGS } from "../i18n.js";
import { fetchMeta, getJSON } from "../data/api.js";
import { toLatLngBounds } from "../rendering/map.js";
import { saveHarmonisation } from "../campaigns/api.js";
import { renderClock } from "./clock.js";
import { DayPlan } from "./day.js";
import { DecisionForm } from "./decision.js";
import { Follow } from "./follow.js";
import { legendByGrade } from "./grades.js";
import { connectLive } from "./live.js";
import { MeetingMap } from "./mapview.js";
import { markCurrent, renderCurrent, renderItem, renderProgress, renderQueue } from "./panel.js";
import { MeetingQueue } from "./queue.js";
import { MEETING } from "./strings.js";
import { deferred } from "../ui/deferred.js";

const $ = (id) => document.getElementById(id);
const panel = $("meeting-panel");
const campaignId = Number(panel.dataset.campaign);
const canRecord = panel.dataset.canRecord === "true";
const nodes = {
  message: $("message"),
  current: $("current"),
  session: $("current-session"),
  name: $("current-name"),
  facts: $("current-facts"),
  qpv: $("current-qpv"),
  commune: $("grade-commune"),
  bailleur: $("grade-bailleur"),
  agreed: $("grade-agreed"),
  decided: $("current-decided"),
  progressText: $("progress-text"),
  progressBar: $("progress-bar"),
  queue: $("queue"),
  status: $("live-status"),
  banner: $("demo-banner"),
  clock: $("slot-clock"),
  clockSlot: $("clock-slot"),
  clockElapsed: $("clock-elapsed"),
  clockRemaining: $("clock-remaining"),
  clockProgress: $("clock-progress"),
  clockBar: $("clock-bar"),
  clockNext: $("clock-next"),
  room: $("room"),
  follow: $("follow"),
  facilitate: $("facilitate"),
  followStatus: $("follow-status"),
};
const requestedRoom = Number(new URLSearchParams(window.location.search).get("salle")) || 1;

const view = {
  queue: null,
  items: new Map(),
  legend: null,
  map: null,
  form: null,
  live: "connecting",
  saving: null,
  plan: null,
  follow: null,
};

const settle = deferred();
const ready = settle.promise;

/** A hook for browser tests and the console. */
window.qualiparcMeeting = {
  ready,
  state: () => document.body.dataset.state,
  live: () => view.live,
  current: () => view.queue?.current?.code ?? null,
  progress: () => nodes.progressText.textContent,
  following: () => view.follow?.following ?? false,
  slot: () => (nodes.clock.hidden ? null : Number(nodes.clock.dataset.slot)),
  map: () => view.map?.map ?? null,
  lastSave: null,
  lastFollow: null,
};

const fetchQueue = () => getJSON(`/api/campaigns/${campaignId}/divergences`);
const fetchDay = () => getJSON(`/api/campaigns/${campaignId}/day`);

/** The queue and the timetable, read together; the queue holds the room's residences, slot by
 * slot in the room's order. */
async function fetchMeeting() {
  const [body, day] = await Promise.all([fetchQueue(), fetchDay()]);
  view.plan = new DayPlan(day, view.plan?.room ?? requestedRoom);
  return { ...body, residences: view.plan.arrange(body.residences) };
}

function showError(error) {
  nodes.message.textContent = error.message;
  nodes.message.hidden = false;
}

function setLive(state) {
  view.live = state;
  nodes.status.dataset.state = state;
  nodes.status.textContent = state === "live" ? MEETING.live : MEETING.reconnecting;
}

function tick() {
  renderClock(nodes, {
    plan: view.plan,
    queue: view.queue,
    residence: view.queue?.current,
    focus: view.follow?.focus,
  });
}

/** Show the current residence everywhere; `keepForm` keeps a decision being prepared. */
function show({ keepForm = false } = {}) {
  const residence = view.queue.current;
  renderCurrent(nodes, view.legend, view.queue);
  renderProgress(nodes, view.queue);
  markCurrent(nodes.queue, view.items, residence?.code);
  view.map?.focus(residence);
  if (view.form && !keepForm) view.form.reset(residence);
  tick();
  view.follow?.publish(facilitatorFocus);
}

/** What the facilitator shows: the residence, and the map's view. */
function facilitatorFocus() {
  const centre = view.map?.map.getCenter();
  return {
    residence_code: view.queue.current?.code ?? null,
    view: centre ? { lat: centre.lat, lon: centre.lng, zoom: view.map.map.getZoom() } : null,
  };
}

/** A move of this screen's own: a screen that followed the facilitator stops following. */
function leaveFollowing() {
  if (view.follow?.following) view.follow.setFollowing(false);
}

function move(index) {
  leaveFollowing();
  if (view.queue.go(index)) show();
}

/** Follow the facilitator's focus: its residence, then its map view. */
function followFocus(focus) {
  window.qualiparcMeeting.lastFollow = {
    code: focus.residence_code,
    at: performance.timeOrigin + performance.now(),
  };
  if (focus.hidden) return;
  if (focus.residence_code && focus.residence_code !== view.queue.current?.code) {
    if (view.queue.goTo(focus.residence_code)) show();
  }
  if (focus.view) view.map?.show(focus.view);
  tick();
}

function renderFollow() {
  const follow = view.follow;
  nodes.follow.setAttribute("aria-pressed", String(follow.following));
  if (nodes.facilitate) {
    nodes.facilitate.setAttribute("aria-pressed", String(follow.facilitating));
    nodes.facilitate.textContent = MEETING.facilitate(follow.room);
  }
  nodes.followStatus.textContent = follow.status();
  document.body.dataset.follow = follow.facilitating ? "facilitating" : String(follow.following);
}

/** A residence changed (decision here, elsewhere, or a side's grade): update what shows it. */
function changed(residence, agreed) {
  const item = view.items.get(residence.code);
  if (item) renderItem(item, view.legend, residence);
  view.map?.recolour(residence.code, agreed);
  renderProgress(nodes, view.queue);
  tick();
  if (residence === view.queue.current) {
    renderCurrent(nodes, view.legend, view.queue);
    view.map?.focus(residence);
    // Our own decision may come back through the stream before the PUT answers.
    if (view.form && view.saving !== residence.code && !view.form.refresh(residence)) {
      view.form.say(
        MEETING.conflictNewer(
          residence.harmonised_grade,
          residence.harmonisation_version,
          residence.decided_by,
        ),
        "conflict",
      );
    }
  }
}

function onEvent(data) {
  if (data.type === "harmonisation" || data.type === "grade") {
    const decision =
      data.type === "harmonisation"
        ? { rationale: data.rationale, decided_by: data.actor, decided_at: data.at }
        : {};
    const residence = view.queue.apply(data.residence_code, data.grades, decision, data.id);
    if (residence) changed(residence, data.grades.agreed);
    else view.map?.recolour(data.residence_code, data.grades.agreed);
  } else if (data.type === "focus") {
    view.follow?.receive(data);
  } else if (data.type === "resync" || data.type === "plan" || data.type === "signed_off") {
    reload();
  } else if (data.type === "status") {
    // The phase changed (e.g. closed): who may record is decided by the server page.
    window.location.reload();
  } else if (data.type === "signed_out") {
    // The session ended or the account was disabled: the stream is closed, sign in again.
    const here = window.location.pathname + window.location.search;
    window.location.assign(`/connexion?next=${encodeURIComponent(here)}`);
  }
}

/** Re-read the queue, the timetable and the room's focus (after a reconnection or a change of
 * the plan), staying on the residence. */
async function reload() {
  try {
    const body = await fetchMeeting();
    view.queue.setResidences(body.residences);
    view.items = renderQueue(nodes.queue, view.legend, view.queue);
    show({ keepForm: view.form?.dirty });
    await view.follow.refresh();
  } catch (error) {
    showError(error);
  }
}

async function record() {
  const residence = view.queue.current;
  const value = view.form.value;
  if (!residence) return;
  if (value === null) {
    view.form.say(MEETING.chooseGrade, "error");
    return;
  }
  const save = {
    code: residence.code,
    value,
    startedAt: performance.timeOrigin + performance.now(),
  };
  window.qualiparcMeeting.lastSave = save;
  view.saving = residence.code;
  view.form.submitting(true);
  view.form.say(MEETING.saving);
  try {
    const saved = await saveHarmonisation(campaignId, residence.code, {
      value,
      rationale: view.form.rationale || null,
      expected_version: view.form.baseVersion,
    });
    save.finishedAt = performance.timeOrigin + performance.now();
    save.status = 200;
    view.queue.apply(
      residence.code,
      { harmonised: saved.value, version: saved.version },
      { rationale: saved.rationale, decided_by: saved.decided_by, decided_at: saved.decided_at },
    );
    view.form.dirty = false;
    changed(residence, saved.value);
    const next = view.queue.nextPending();
    if (view.queue.go(next)) show();
    view.form.say(MEETING.saved(residence.code, saved.value), "success");
  } catch (error) {
    save.status = error.status;
    if (error.status === 409 && error.details) {
      const { value: newer, version, decided_by: by } = error.details;
      view.queue.apply(residence.code, { harmonised: newer, version }, { decided_by: by });
      changed(residence, newer);
      view.form.rebase(version);
      view.form.say(`${error.message} ${MEETING.conflictNewer(newer, version, by)}`, "conflict");
    } else {
      view.form.say(error.message, "error");
    }
  } finally {
    view.saving = null;
    view.form.submitting(false);
  }
}

function isTyping(target) {
  return (
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLInputElement && target.type === "text")
  );
}

function onKey(event) {
  if (event.altKey || event.ctrlKey || event.metaKey || !view.queue) return;
  if (isTyping(event.target)) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  const { key } = event;
  if (event.target instanceof HTMLButtonElement && (key === "Enter" || key === " ")) return;
  if (key === "ArrowRight" || key === "j") move(view.queue.index + 1);
  else if (key === "ArrowLeft" || key === "k") move(view.queue.index - 1);
  else if (key === "s") view.follow.setFollowing(!view.follow.following);
  else if (canRecord && /^[1-4]$/.test(key)) view.form.select(Number(key));
  else if (canRecord && key === "Enter") record();
  else return;
  event.preventDefault();
}

async function start() {
  document.body.dataset.state = "loading";
  nodes.progressText.textContent = MEETING.loading;
  const [meta, body] = await Promise.all([fetchMeta(), fetchMeeting()]);
  nodes.banner.textContent = STRINGS.demoBanner;
  nodes.banner.hidden = !meta.demo;
  view.legend = legendByGrade(body.legend);
  view.queue = new MeetingQueue(body.residences);
  view.queue.go(view.queue.firstPending());
  view.items = renderQueue(nodes.queue, view.legend, view.queue);
  if (canRecord) {
    view.form = new DecisionForm($("decision"), view.legend);
    $("decision").addEventListener("submit", (event) => {
      event.preventDefault();
      record();
    });
  }
  nodes.queue.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-code]");
    if (!button) return;
    leaveFollowing();
    if (view.queue.goTo(button.dataset.code)) show();
  });
  document.addEventListener("keydown", onKey);
  view.follow = new Follow({
    campaignId,
    room: view.plan.room,
    canFacilitate: canRecord,
    onFocus: followFocus,
    onChange: renderFollow,
  });
  nodes.room.value = String(view.plan.room);
  nodes.room.addEventListener("change", () => {
    const url = new URL(window.location.href);
    url.searchParams.set("salle", nodes.room.value);
    window.location.assign(url);
  });
  nodes.follow.addEventListener("click", () => view.follow.setFollowing(!view.follow.following));
  nodes.facilitate?.addEventListener("click", () =>
    view.follow.setFacilitating(!view.follow.facilitating, facilitatorFocus),
  );
  renderFollow();
  connectLive(`/api/campaigns/${campaignId}/events`, body.last_event_id, {
    onEvent,
    onReconnect: reload,
    onStatus: setLive,
  });
  const first = view.queue.current;
  view.map = new MeetingMap($("meeting-map"), {
    meta,
    legend: view.legend,
    legendEntries: body.legend,
    campaign: body.campaign,
    bounds: first ? null : toLatLngBounds(meta.bounds),
  });
  show();
  view.map.map.on("moveend", () => view.follow.publish(facilitatorFocus));
  view.map.map.on("dragstart", leaveFollowing);
  view.map.map.getContainer().addEventListener("wheel", leaveFollowing, { passive: true });
  await view.map.load();
  view.map.focus(view.queue.current);
  await view.follow.refresh();
  setInterval(tick, 1000);
  document.body.dataset.state = "ready";
}

start().then(settle.resolve, (error) => {
  document.body.dataset.state = "error";
  showError(error);
  settle.reject(error);
});
