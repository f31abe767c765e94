// Small DOM builders: text always goes in as text, never as HTML.

/** `el("p", {className: "x"}, "text", child…)`: an element with properties and children. */
export function el(tag, properties = {}, ...children) {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** Show `message` in the page's alert paragraph (or hide it when empty). */
export function showMessage(node, message, kind = "error") {
  node.textContent = message ?? "";
  node.hidden = !message;
  node.classList.toggle("message--ok", kind === "ok");
}

/** Radio buttons for the grades 1–4 of `legend` (entries `{grade, label, colour}`). */
export function gradeChoices(name, legend, selected = null) {
  const group = el("div", { className: "grade-choices", role: "radiogroup" });
  for (const entry of legend) {
    if (entry.grade === null) continue;
    const input = el("input", { type: "radio", name, value: String(entry.grade) });
    input.checked = entry.grade === selected;
    const swatch = el("span", { className: "grade-choices__number" }, String(entry.grade));
    swatch.style.backgroundColor = entry.colour;
    group.append(el("label", { className: "grade-choices__choice" }, input, swatch, entry.label));
  }
  return group;
}

/** The checked grade of a `gradeChoices` group, or null. */
export function checkedGrade(group) {
  const input = group.querySelector("input:checked");
  return input ? Number(input.value) : null;
}

/** Run a page's `start`: mark the page ready or show its error, and settle the test hook. */
export function runPage(start, settle, messageNode) {
  start().then(
    () => {
      document.body.dataset.state = "ready";
      settle.resolve();
    },
    (error) => {
      showMessage(messageNode, error.message);
      document.body.dataset.state = "error";
      settle.reject(error);
    },
  );
}
