// The campaign's live stream (Server-Sent Events): EventSource reconnects by itself and resumes
// after the last event id; after any reconnection the page also re-reads the queue.

const RETRY_AFTER_CLOSE_MS = 3000;

/**
 * Listen to `url`. Callbacks: `onEvent(data, id)` for each message, `onReconnect()` after a
 * reconnection (to catch up on anything missed), `onStatus("live" | "reconnecting")`.
 */
export function connectLive(url, { onEvent, onReconnect, onStatus }) {
  let source = null;
  let openedOnce = false;
  let timer = null;

  function open() {
    source = new EventSource(url);
    source.addEventListener("open", () => {
      onStatus("live");
      if (openedOnce) onReconnect();
      openedOnce = true;
    });
    source.addEventListener("message", (event) => {
      onEvent(JSON.parse(event.data), event.lastEventId);
    });
    source.addEventListener("error", () => {
      onStatus("reconnecting");
      // A refused reconnection (e.g. the server restarting) closes the source for good.
      if (source.readyState === EventSource.CLOSED && timer === null) {
        timer = setTimeout(() => {
          timer = null;
          open();
        }, RETRY_AFTER_CLOSE_MS);
      }
    });
  }

  open();
}
