// The header's menu on a phone: the sections and the account fold behind one disclosure button,
// so that the header stays one short line. Without JavaScript, the menu simply stays open.
import { PHONE } from "./disclosure.js";

const header = document.querySelector(".site-header");
const button = header?.querySelector(".site-header__menu");

function setOpen(open) {
  button.setAttribute("aria-expanded", String(open));
  header.dataset.menu = open ? "open" : "closed";
}

if (header && button) {
  button.hidden = false;
  setOpen(false);
  button.addEventListener("click", () => setOpen(header.dataset.menu !== "open"));
  header.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && header.dataset.menu === "open" && PHONE.matches) {
      setOpen(false);
      button.focus();
    }
  });
}
