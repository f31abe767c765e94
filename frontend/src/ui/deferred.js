// A promise settled from outside: the `ready` that each page's test hook exposes.

/** `{promise, resolve, reject}`; a rejection nobody awaits is not reported as unhandled. */
export function deferred() {
  let settle;
  const promise = new Promise((resolve, reject) => {
    settle = { resolve, reject };
  });
  promise.catch(() => {});
  return { promise, ...settle };
}
