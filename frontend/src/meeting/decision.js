// The facilitator's decision: the agreed grade (1–4), its rationale, and saving it with the
// version it was decided on, so that a decision taken meanwhile elsewhere is never overwritten.
import { paint } from "./grades.js";

/** The decision form: four grade choices in the legend's colours and a rationale field. */
export class DecisionForm {
  constructor(form, legend) {
    this.form = form;
    this.rationaleInput = form.querySelector("#rationale");
    this.message = form.querySelector("#decision-message");
    this.choices = new Map();
    const container = form.querySelector("#decision-choices");
    for (const [grade, entry] of legend) {
      if (grade === null) continue;
      const label = document.createElement("label");
      label.className = "decision__choice";
      const input = document.createElement("input");
      Object.assign(input, { type: "radio", name: "grade", value: String(grade) });
      const number = document.createElement("span");
      number.className = "decision__number";
      number.textContent = grade;
      paint(number, legend, grade);
      const text = document.createElement("span");
      text.className = "decision__label";
      text.textContent = entry.label;
      label.append(input, number, text);
      container.append(label);
      this.choices.set(grade, input);
      input.addEventListener("change", () => this.touch());
    }
    this.rationaleInput.addEventListener("input", () => this.touch());
    this.baseVersion = 0;
    this.dirty = false;
  }

  get value() {
    for (const [grade, input] of this.choices) if (input.checked) return grade;
    return null;
  }

  get rationale() {
    return this.rationaleInput.value.trim();
  }

  /** Start deciding on the version shown now (kept until the decision is saved). */
  touch(version = this.shownVersion) {
    if (!this.dirty) this.baseVersion = version;
    this.dirty = true;
  }

  select(grade) {
    const input = this.choices.get(grade);
    if (!input) return;
    input.checked = true;
    this.touch();
  }

  /** Show `residence` as it stands; forgets any unsaved choice. */
  reset(residence) {
    this.shownVersion = residence?.harmonisation_version ?? 0;
    this.baseVersion = this.shownVersion;
    this.dirty = false;
    for (const [grade, input] of this.choices) {
      input.checked = grade === residence?.harmonised_grade;
    }
    this.rationaleInput.value = residence?.rationale ?? "";
    this.say("");
  }

  /** The shown residence changed elsewhere: follow it unless a decision is being prepared. */
  refresh(residence) {
    if (this.dirty) {
      this.shownVersion = residence.harmonisation_version;
      return false;
    }
    this.reset(residence);
    return true;
  }

  /** After a 409: decide again on the newer version, keeping the choice made. */
  rebase(version) {
    this.shownVersion = version;
    this.baseVersion = version;
    this.dirty = true;
  }

  say(text, kind = "info") {
    this.message.textContent = text;
    this.message.dataset.kind = kind;
    this.message.hidden = !text;
  }

  submitting(busy) {
    this.form.querySelector("#record").disabled = busy;
  }
}
