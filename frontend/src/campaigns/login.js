// The sign-in page: e-mail and password, then back to the page that asked for it.
import { signIn } from "./api.js";
import { showMessage } from "./dom.js";
import { CAMPAIGN_STRINGS as S } from "./strings.js";

const form = document.getElementById("signin");
const message = document.getElementById("message");
const button = form.querySelector("button[type=submit]");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showMessage(message, "");
  button.disabled = true;
  button.textContent = S.signingIn;
  try {
    await signIn(form.email.value, form.password.value);
    window.location.assign(form.dataset.next || "/campagnes");
  } catch (error) {
    showMessage(message, error.message || S.signInFailed);
    form.password.select();
  } finally {
    button.disabled = false;
    button.textContent = form.dataset.label;
  }
});
