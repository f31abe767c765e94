// The campaign's live stream (Server-Sent Events). EventSource reconnects by itself and resumes
// after the last event id; when the server refuses it (restarting, database unreachable: a 503),
// the source is opened again, later and later, from the last id received, so that nothing is
// missed. After any reconnection the page also re-reads what it shows.

const REOPEN_DELAYS_MS = [1000, 2000, 3000, 5000, 10000];

/**
 * Listen to `url` from history id `after`. Callbacks: `onEvent(data, id)` for each message,
 * `onReconnect()` after a reconnection (to catch up on anything missed),
 * `onStatus("live" | "reconnecting")`.
 */
export function connectLive(url, after, { onEvent, onReconnect, onStatus }) {
  let lastId = after;
  let openedOnce = false;
  let failures = 0;
  let timer = null;

  function open() {
    const source = new EventSource(`${url}?after=${encodeURIComponent(lastId)}`);
    source.addEventListener("open", () => {
      failures = 0;
      onStatus("live");
      if (openedOnce) onReconnect();
      openedOnce = true;
    });
    source.addEventListener("message", (event) => {
      if (event.lastEventId) lastId = event.lastEventId;
      onEvent(JSON.parse(event.data), event.lastEventId);
    });
    source.addEventListener("error", () => {
      onStatus("reconnecting");
      if (source.readyState === EventSource.CLOSED && timer === null) {
        const delay = REOPEN_DELAYS_MS[Math.min(failures, REOPEN_DELAYS_MS.length - 1)];
        failures += 1;
        timer = setTimeout(() => {
          timer = null;
          open();
        }, delay);
      }
    });
  }

  open();
}
