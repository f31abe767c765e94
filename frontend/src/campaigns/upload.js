// The grade-sheet upload: all or nothing, or (partial) the valid rows; refused rows are listed and
// downloadable as a CSV report.
import { fetchCampaign, uploadSheet } from "./api.js";
import { el, showMessage } from "./dom.js";
import { CAMPAIGN_STRINGS as S, SIDE_LABELS } from "./strings.js";

const root = document.getElementById("upload");
const form = document.getElementById("upload-form");
const message = document.getElementById("message");
const result = document.getElementById("result");
const report = document.getElementById("report");
const campaignId = Number(root.dataset.campaign);

/** The errors as the CSV report of the command line (UTF-8 with BOM, `;`), for Excel. */
function reportUrl(errors) {
  const quote = (value) => `"${String(value ?? "").replaceAll('"', '""')}"`;
  const lines = [S.reportHeader, ...errors.map((e) => [e.line, e.column, e.value, e.message])];
  const text = lines.map((cells) => cells.map(quote).join(";")).join("\r\n");
  return URL.createObjectURL(new Blob([`\ufeff${text}\r\n`], { type: "text/csv;charset=utf-8" }));
}

function showReport(errors) {
  const rows = errors.map((e) =>
    el("tr", {}, ...[e.line ?? "", e.column ?? "", e.value ?? "", e.message].map((v) => el("td", {}, String(v)))),
  );
  const table = el(
    "table",
    { className: "report__table" },
    el("thead", {}, el("tr", {}, ...S.reportHeader.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows),
  );
  const link = el("a", { className: "button", href: reportUrl(errors), download: "rapport-import-notes.csv" }, S.uploadReport);
  report.replaceChildren(link, table);
  report.hidden = false;
}

async function start() {
  const campaign = await fetchCampaign(campaignId);
  const sides = campaign.permissions.grade_sides;
  if (!sides.length) {
    showMessage(message, S.uploadNoSide);
    return;
  }
  if (campaign.status !== "grading") showMessage(message, S.notGradingPhase);
  form.side.replaceChildren(...sides.map((side) => el("option", { value: side }, SIDE_LABELS[side])));
  form.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    showMessage(message, "");
    showMessage(result, "");
    report.hidden = true;
    button.disabled = true;
    try {
      const summary = await uploadSheet(
        campaignId,
        form.side.value,
        form.file.files[0],
        form.partial.checked,
      );
      showMessage(result, S.uploadDone(summary), "ok");
      if (summary.rejected?.length) showReport(summary.rejected);
    } catch (error) {
      showMessage(message, error.message);
      if (error.details?.errors) showReport(error.details.errors);
    } finally {
      button.disabled = false;
    }
  });
}

start().catch((error) => showMessage(message, error.message));
