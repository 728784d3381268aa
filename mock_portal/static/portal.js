// Behaviour of the portal's pages: the drop-down menu, パスワード表示, and 終了; and the helpers
// the older markup variants call from onclick attributes (toggleMenu, openMyPage, submitForm).
"use strict";

function setOpen(button, open) {
  const panel = document.getElementById(button.getAttribute("aria-controls"));
  button.setAttribute("aria-expanded", open ? "true" : "false");
  if (panel) { panel.hidden = !open; }
  if (!open) {
    button.dataset.pinned = "";
    // Closing a panel closes the panels nested in it.
    if (panel) { panel.querySelectorAll("button[aria-expanded='true']").forEach((b) => setOpen(b, false)); }
  }
}

function closeSiblings(button) {
  const item = button.closest(".menu-item");
  const list = item && item.parentElement;
  if (!list) { return; }
  for (const other of list.querySelectorAll(":scope > .menu-item > button[aria-expanded]")) {
    if (other !== button) { setOpen(other, false); }
  }
}

function setUpMenu(button) {
  const item = button.closest(".menu-item");
  // A click pins the panel open; if hover already opened it, the click must not close it
  // (a mouse click always hovers first). A second click, Enter or Space closes it again.
  button.addEventListener("click", () => {
    const pinned = button.dataset.pinned === "yes";
    closeSiblings(button);
    setOpen(button, !pinned);
    button.dataset.pinned = pinned ? "" : "yes";
  });
  item.addEventListener("mouseenter", () => { closeSiblings(button); setOpen(button, true); });
  item.addEventListener("mouseleave", () => { if (button.dataset.pinned !== "yes") { setOpen(button, false); } });
}

function setUpReveal(box) {
  const ids = box.dataset.reveal.split(" ");
  const apply = () => {
    for (const id of ids) {
      const field = document.getElementById(id);
      if (field) { field.type = box.checked ? "text" : "password"; }
    }
  };
  box.addEventListener("change", apply);
  apply();
}

function closeWindow(event) {
  if (event) { event.preventDefault(); }
  // In a frame, 終了 closes the window holding the frame page.
  const win = window.top;
  win.close();
  // Scripts may only close windows that scripts or links opened; otherwise say so instead.
  setTimeout(() => { if (!win.closed) { win.location.href = "/mypage/closed"; } }, 150);
}

// A click-to-open menu of links (the table variant): show or hide the list with this id.
function toggleMenu(id) {
  const panel = document.getElementById(id);
  if (panel) { panel.hidden = !panel.hidden; }
  return false;
}

// The マイページ in a pop-up window of its own (the jslinks variant).
function openMyPage(url) {
  window.open(url, "mypage", "width=1000,height=700,resizable=yes,scrollbars=yes");
  return false;
}

// A link that submits a (possibly hidden) form by its name.
function submitForm(name) {
  document.forms[name].submit();
  return false;
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".menu button[aria-expanded]").forEach(setUpMenu);
  document.querySelectorAll("input[type=checkbox][data-reveal]").forEach(setUpReveal);
  document.querySelectorAll("[data-close-window]").forEach((b) => b.addEventListener("click", closeWindow));
});
