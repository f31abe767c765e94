// The summary page, for the administrator: sign the day off (its summary becomes final, what is
// left is carried over to the follow-up date), then the page is drawn again by the server.
import { send } from "../data/api.js";

const form = document.getElementById("sign-off");
const message = document.getElementById("sign-message");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  message.hidden = true;
  const followUp = new FormData(form).get("follow_up_date") || null;
  try {
    await send("POST", `/api/campaigns/${form.dataset.campaign}/day/sign-off`, {
      json: { expected_version: Number(form.dataset.version), follow_up_date: followUp },
    });
  } catch (error) {
    message.textContent = error.message;
    message.hidden = false;
    return;
  }
  window.location.reload();
});
